import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

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

/** The service models this repository is built against (models/<service>.json.gz). */
const MODELS = new URL('../../models/', import.meta.url).pathname;

/** A HOME in which Debian's CLI knows newer service models; `remove` deletes it. */
export interface NewerModelsHome {
  /** Merge into the env given to aws(): `{ ...ng.env, ...home.env }`. */
  env: { HOME: string };
  remove(): Promise<void>;
}

/**
 * Teaches Debian's awscli 2.9 this repository's models of `services` (newer than its own: for
 * ECS, ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions and
 * DeleteTaskDefinitions) with `aws configure add-model`, into a HOME of its own, so that only
 * the tests given its env use them and the others keep the stock CLI.
 */
export async function newerModelsHome(services: readonly string[] = ['ecs']): Promise<NewerModelsHome> {
  const home = await mkdtemp(join(tmpdir(), 'neargate-aws-home-'));
  const remove = () => rm(home, { recursive: true, force: true });
  try {
    for (const service of services) {
      const file = join(home, `${service}.json`);
      await writeFile(file, gunzipSync(await readFile(join(MODELS, `${service}.json.gz`))));
      const out = await new Promise<{ err: Error | null; stderr: string }>((resolve) =>
        execFile(
          AWS_CLI,
          ['configure', 'add-model', '--service-model', `file://${file}`, '--service-name', service],
          { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home }, timeout: 60_000 },
          (err, _stdout, stderr) => resolve({ err, stderr }),
        ),
      );
      if (out.err) throw new Error(`aws configure add-model ${service} failed: ${out.stderr}`);
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return { env: { HOME: home }, remove };
}
