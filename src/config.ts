import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** Everything neargate can be told, resolved once into one frozen object. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** PostgreSQL instead of the embedded SQLite file in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly region: string;
  readonly accountId: string;
  /** Accept any well-formed SigV4 signature (development only, as LocalStack does). */
  readonly insecureAcceptAnyCredentials: boolean;
  /** The root key pair to use instead of a generated one. */
  readonly rootAccessKey: { readonly id: string; readonly secret: string } | undefined;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
}

export interface ConfigOptions {
  host?: string | undefined;
  port?: number | string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  region?: string | undefined;
  accountId?: string | undefined;
  insecureAcceptAnyCredentials?: boolean | undefined;
  logLevel?: string | undefined;
}

const options = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65_535).default(4566),
  dataDir: z.string().min(1).optional(),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must look like us-east-1')
    .default('us-east-1'),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'must be 12 digits')
    .default('000000000000'),
  insecureAcceptAnyCredentials: z.boolean().default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The data directory when none is given: the system's for root, the user's otherwise. */
export function defaultDataDir(env: NodeJS.ProcessEnv, uid: number): string {
  if (env.NEARGATE_DATA_DIR) return env.NEARGATE_DATA_DIR;
  return uid === 0
    ? '/var/lib/neargate'
    : join(env.XDG_DATA_HOME ?? join(homedir(), '.local/share'), 'neargate');
}

/** Resolves options (flags win over environment) into a Config; throws a readable error on bad input. */
export function resolveConfig(opts: ConfigOptions, env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = options.safeParse({
    ...stripUndefined({
      host: env.NEARGATE_HOST,
      port: env.NEARGATE_PORT,
      dataDir: env.NEARGATE_DATA_DIR,
      databaseUrl: env.NEARGATE_DATABASE_URL,
      region: env.NEARGATE_REGION,
      accountId: env.NEARGATE_ACCOUNT_ID,
      logLevel: env.NEARGATE_LOG_LEVEL,
    }),
    ...stripUndefined(opts),
  });
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new Error(`invalid option ${first.path.join('.')}: ${first.message}`);
  }
  const o = parsed.data;
  const id = env.NEARGATE_ACCESS_KEY_ID;
  const secret = env.NEARGATE_SECRET_ACCESS_KEY;
  if ((id === undefined) !== (secret === undefined)) {
    throw new Error('set both NEARGATE_ACCESS_KEY_ID and NEARGATE_SECRET_ACCESS_KEY, or neither');
  }
  return Object.freeze({
    host: o.host,
    port: o.port,
    dataDir: o.dataDir ?? defaultDataDir(env, process.getuid?.() ?? 0),
    databaseUrl: o.databaseUrl,
    region: o.region,
    accountId: o.accountId,
    insecureAcceptAnyCredentials: o.insecureAcceptAnyCredentials,
    rootAccessKey: id && secret ? Object.freeze({ id, secret }) : undefined,
    logLevel: o.logLevel,
    bodyLimitBytes: 2 * 1024 * 1024,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
