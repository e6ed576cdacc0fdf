import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { type ConfigOptions, resolveConfig } from '../../src/config.ts';
import { type Neargate, startNeargate } from '../../src/main.ts';

/** A neargate started in this process for one test file, on a free port with its own data dir. */
export interface TestNeargate extends Neargate {
  readonly dataDir: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Environment for the AWS CLI and SDK pointed at this server. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

const KEY = { id: 'AKIATESTTESTTESTTEST', secret: 'test/secret/key/0123456789abcdefghijklmn' };

let servers = 0;

/**
 * A loopback block of its own for each test server's load balancers, so servers of test files
 * running side by side (and other engineers' on the same machine) never bind the same address.
 */
function lbAddressBlock(): string {
  servers++;
  return `127.${100 + (process.pid % 150)}.${(Math.floor(process.pid / 150) + servers) % 256}.0/24`;
}

/**
 * `log` receives what the server logs (default: nothing, or the level in NEARGATE_TEST_LOG on
 * stdout).
 */
export async function startTestNeargate(
  opts: ConfigOptions & { dataDir?: string; log?: Logger } = {},
): Promise<TestNeargate> {
  const { log, ...options } = opts;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'neargate-test-')));
  const config = resolveConfig(
    { port: 0, logLevel: 'silent', lbAddressBlock: lbAddressBlock(), ...options, dataDir },
    { NEARGATE_ACCESS_KEY_ID: KEY.id, NEARGATE_SECRET_ACCESS_KEY: KEY.secret },
  );
  const ng = await startNeargate(config, {
    log: log ?? pino({ level: process.env.NEARGATE_TEST_LOG ?? 'silent' }),
  });
  const region = config.region;
  return {
    ...ng,
    dataDir,
    accessKeyId: KEY.id,
    secretAccessKey: KEY.secret,
    region,
    env: {
      AWS_ACCESS_KEY_ID: KEY.id,
      AWS_SECRET_ACCESS_KEY: KEY.secret,
      AWS_DEFAULT_REGION: region,
      AWS_REGION: region,
      AWS_ENDPOINT_URL: ng.url,
    },
    async stop() {
      await ng.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
