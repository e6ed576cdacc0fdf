import { execFile } from 'node:child_process';

/** Debian's awscli package; the machine may have another `aws` earlier on PATH. */
export const AWS_CLI = '/usr/bin/aws';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the CLI printed.
  json: any;
}

/** Runs the AWS CLI against a test server and returns what it printed. Never throws on a failing command. */
export function aws(env: Record<string, string>, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      AWS_CLI,
      ['--endpoint-url', env.AWS_ENDPOINT_URL!, '--output', 'json', '--no-cli-pager', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          ...env,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        let json: unknown;
        try {
          json = stdout.trim() ? JSON.parse(stdout) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr, json });
      },
    );
  });
}
