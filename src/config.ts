import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { isCidr } from './core/cidr.ts';

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
  /** How many times the host's cpus and memory tasks may reserve. */
  readonly cpuOvercommit: number;
  readonly memoryOvercommit: number;
  /** CIDRs for default VPCs, AWS's 172.31.0.0/16 first; each VPC on a host needs its own. */
  readonly defaultVpcCidrs: readonly string[];
  /** Prefix of what neargate names on the host (bridges, veths, netns), and its cgroup parent. */
  readonly hostPrefix: string;
  readonly cgroupParent: string;
  /** How long STOPPED tasks stay describable. */
  readonly stoppedTaskRetentionMs: number;
  /** A service task without health checks counts as healthy after this long RUNNING (ECS: 40 s). */
  readonly taskHealthyAfterMs: number;
  /** The first wait before replacing tasks that keep failing to start; it doubles up to 27 minutes. */
  readonly serviceThrottleBaseMs: number;
  /** Random Fargate Spot interruptions per hour across the host's Spot tasks. */
  readonly spotInterruptionsPerHour: number;
  /** The registry's challenge to clients without credentials: ECR's Basic, or a Bearer token flow. */
  readonly registryAuth: 'basic' | 'bearer';
  /** When remote tags are pulled again (as ECS_IMAGE_PULL_BEHAVIOR). */
  readonly imagePullBehavior: 'prefer-cached' | 'default' | 'always';
  /** Registries (host:port) pulled from over plain HTTP, besides loopback ones. */
  readonly insecureRegistries: readonly string[];
  /** The loopback block each load balancer of this host takes its own address from. */
  readonly lbAddressBlock: string;
  /**
   * Whether this host runs the load balancer data plane: listeners, health checks, load balancer
   * names in /etc/hosts and the DNS server tasks use (169.254.169.253). Without it load balancers
   * stay `provisioning` and tasks use the host's resolvers.
   */
  readonly lbDataPlane: boolean;
  /**
   * Where the tasks' DNS server sends the names it does not answer itself (`ip` or `ip:port`);
   * undefined: the nameservers of the host's /etc/resolv.conf, loopback ones included.
   */
  readonly taskDnsUpstreams: readonly string[] | undefined;

  /**
   * The most the host keeps of the log of a container without awslogs, which nothing ships (on
   * Fargate such output is kept nowhere): conmon starts the file afresh past it.
   */
  readonly unshippedLogMaxBytes: number;
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
  cpuOvercommit?: number | string | undefined;
  memoryOvercommit?: number | string | undefined;
  defaultVpcCidrs?: readonly string[] | undefined;
  hostPrefix?: string | undefined;
  cgroupParent?: string | undefined;
  stoppedTaskRetentionMs?: number | undefined;
  taskHealthyAfterMs?: number | string | undefined;
  serviceThrottleBaseMs?: number | string | undefined;
  spotInterruptionsPerHour?: number | string | undefined;
  registryAuth?: string | undefined;
  imagePullBehavior?: string | undefined;
  insecureRegistries?: readonly string[] | undefined;
  lbAddressBlock?: string | undefined;
  lbDataPlane?: boolean | string | undefined;
  taskDnsUpstreams?: readonly string[] | undefined;

  unshippedLogMaxMiB?: number | string | undefined;
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
  cpuOvercommit: z.coerce.number().positive().default(4),
  memoryOvercommit: z.coerce.number().positive().default(1),
  defaultVpcCidrs: z
    .array(z.string().regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-8])$/, 'must be CIDRs from /16 to /28'))
    .min(1)
    .default([
      ...Array.from({ length: 16 }, (_, i) => `172.${31 - i}.0.0/16`),
      ...Array.from({ length: 64 }, (_, i) => `10.${128 + i}.0.0/16`),
    ]),
  hostPrefix: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,3}$/, 'must be 2 to 4 lowercase letters or digits')
    .default('ng'),
  cgroupParent: z
    .string()
    .regex(/^\/[A-Za-z0-9_./-]+$/, 'must be an absolute cgroup path')
    .default('/neargate'),
  stoppedTaskRetentionMs: z.number().int().positive().default(3_600_000),
  taskHealthyAfterMs: z.coerce.number().int().min(0).default(40_000),
  serviceThrottleBaseMs: z.coerce.number().int().min(0).default(30_000),
  spotInterruptionsPerHour: z.coerce.number().min(0).default(0),
  registryAuth: z.enum(['basic', 'bearer']).default('basic'),
  imagePullBehavior: z.enum(['prefer-cached', 'default', 'always']).default('prefer-cached'),
  insecureRegistries: z
    .array(z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be host or host:port'))
    .default([]),
  lbAddressBlock: z
    .string()
    .regex(/^127\.\d+\.\d+\.\d+\/(1[6-9]|2[0-8])$/, 'must be a block of 127.0.0.0/8 from /16 to /28')
    .refine(isCidr, 'must be a block of 127.0.0.0/8 from /16 to /28, without host bits')
    .default('127.100.0.0/16'),
  lbDataPlane: z.union([z.boolean(), z.enum(['on', 'off']).transform((v) => v === 'on')]).default(true),
  taskDnsUpstreams: z
    .array(
      z
        .string()
        .regex(/^(\d+\.\d+\.\d+\.\d+(:\d+)?|\[[0-9a-fA-F:]+\]:\d+|[0-9a-fA-F:]+)$/, 'must be ip or ip:port'),
    )
    .min(1)
    .optional(),

  unshippedLogMaxMiB: z.coerce.number().int().min(1).max(1_048_576).default(10),
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
      cpuOvercommit: env.NEARGATE_CPU_OVERCOMMIT,
      memoryOvercommit: env.NEARGATE_MEMORY_OVERCOMMIT,
      defaultVpcCidrs: env.NEARGATE_DEFAULT_VPC_CIDRS?.split(','),
      hostPrefix: env.NEARGATE_HOST_PREFIX,
      cgroupParent: env.NEARGATE_CGROUP_PARENT,
      taskHealthyAfterMs: env.NEARGATE_TASK_HEALTHY_AFTER_MS,
      serviceThrottleBaseMs: env.NEARGATE_SERVICE_THROTTLE_BASE_MS,
      spotInterruptionsPerHour: env.NEARGATE_SPOT_INTERRUPTIONS_PER_HOUR,
      registryAuth: env.NEARGATE_REGISTRY_AUTH,
      imagePullBehavior: env.NEARGATE_IMAGE_PULL_BEHAVIOR,
      insecureRegistries: env.NEARGATE_INSECURE_REGISTRIES?.split(',').filter(Boolean),
      lbAddressBlock: env.NEARGATE_LB_ADDRESS_BLOCK,
      lbDataPlane: env.NEARGATE_LB_DATA_PLANE,
      taskDnsUpstreams: env.NEARGATE_TASK_DNS_UPSTREAMS?.split(',').filter(Boolean),

      unshippedLogMaxMiB: env.NEARGATE_UNSHIPPED_LOG_MAX_MIB,
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
    cpuOvercommit: o.cpuOvercommit,
    memoryOvercommit: o.memoryOvercommit,
    defaultVpcCidrs: Object.freeze([...o.defaultVpcCidrs]),
    hostPrefix: o.hostPrefix,
    cgroupParent: o.cgroupParent,
    stoppedTaskRetentionMs: o.stoppedTaskRetentionMs,
    taskHealthyAfterMs: o.taskHealthyAfterMs,
    serviceThrottleBaseMs: o.serviceThrottleBaseMs,
    spotInterruptionsPerHour: o.spotInterruptionsPerHour,
    registryAuth: o.registryAuth,
    imagePullBehavior: o.imagePullBehavior,
    insecureRegistries: Object.freeze([...o.insecureRegistries]),
    lbAddressBlock: o.lbAddressBlock,
    lbDataPlane: o.lbDataPlane,
    taskDnsUpstreams: o.taskDnsUpstreams && Object.freeze([...o.taskDnsUpstreams]),

    unshippedLogMaxBytes: o.unshippedLogMaxMiB * 1024 * 1024,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
