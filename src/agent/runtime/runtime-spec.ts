import { type CapabilityChanges, capabilitySets, resolveCapabilities } from './capabilities.ts';
import { resolveExecUser, type UserDatabase } from './exec-user.ts';
import type { OciMount, OciProcess, OciSpec } from './oci-spec.ts';

/** A host path bind-mounted into the container (/etc/hosts, /etc/resolv.conf, volumes). */
export interface BindMount {
  readonly source: string;
  readonly destination: string;
  readonly readOnly?: boolean;
}

/** ECS linuxParameters.tmpfs entry. */
export interface TmpfsMount {
  readonly containerPath: string;
  /** MiB. */
  readonly size: number;
  readonly mountOptions?: readonly string[];
}

/** ECS ulimit: name as in the task definition (`nofile`, `nproc` ...); -1 means unlimited. */
export interface Ulimit {
  readonly name: string;
  readonly softLimit: number;
  readonly hardLimit: number;
}

/** ECS systemControls entry. */
export interface SystemControl {
  readonly namespace: string;
  readonly value: string;
}

/** One ECS container, resolved by the caller (image config merged with the task definition). */
export interface RuntimeSpecInput {
  /** The command line: image Entrypoint and Cmd with the ECS overrides applied. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** @default '/' */
  readonly cwd?: string;
  /** `uid`, `uid:gid`, `name`, `name:group`; empty or absent is root. */
  readonly user?: string;
  /** The image's /etc/passwd and /etc/group, to resolve names and supplementary groups. */
  readonly userDatabase?: UserDatabase;
  readonly hostname?: string;
  /** Absolute, or relative to the bundle directory. */
  readonly rootfsPath: string;
  readonly readonlyRootFilesystem?: boolean;
  readonly mounts?: readonly BindMount[];
  readonly tmpfs?: readonly TmpfsMount[];
  /** Size of /dev/shm. @default 64 */
  readonly sharedMemorySizeMiB?: number;
  /** The task's network namespace (a bind-mounted netns file); absent gives the container an empty one. */
  readonly networkNamespacePath?: string;
  /** Another container's pid namespace (`/proc/<pid>/ns/pid`), for pidMode task. */
  readonly pidNamespacePath?: string;
  /** Absolute cgroup path, such as TaskCgroups.containerPath() gives. */
  readonly cgroupsPath: string;
  /** Hard limit (ECS container `memory`). */
  readonly memoryMiB?: number;
  /** Soft limit (ECS container `memoryReservation`). */
  readonly memoryReservationMiB?: number;
  /** ECS linuxParameters.maxSwap; absent means no swap, as on Fargate. Needs memoryMiB. */
  readonly maxSwapMiB?: number;
  readonly swappiness?: number;
  /**
   * Whether the host can limit swap: false on v1 hosts booted without swap accounting (no
   * memory.memsw.* files), where runc would fail to write the limit.
   * @default true
   */
  readonly swapLimitSupported?: boolean;
  /** ECS container `cpu`, relative weight as cpu shares. */
  readonly cpuUnits?: number;
  readonly pidsLimit?: number;
  readonly ulimits?: readonly Ulimit[];
  /**
   * Lowers the Fargate default open-files limit (65535) to what the host lets runc set; see
   * readNofileCeiling(). Limits the task definition sets are not lowered: they fail as on Docker.
   */
  readonly nofileCeiling?: number;
  readonly capabilities?: CapabilityChanges;
  /** @default false, as Docker */
  readonly noNewPrivileges?: boolean;
  /** Run tini as pid 1 with the command as its child, as Docker's --init. */
  readonly initProcessEnabled?: boolean;
  /** @default '/usr/bin/tini-static' */
  readonly initBinaryPath?: string;
  readonly systemControls?: readonly SystemControl[];
  readonly annotations?: Readonly<Record<string, string>>;
}

const MIB = 1024 * 1024;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Where Docker's --init puts its init binary inside the container. */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';
const RLIM_INFINITY = 2n ** 64n - 1n;
const ULIMIT_NAMES = new Set([
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
]);
// Fargate raises nofile for every container unless the task definition sets it.
const FARGATE_NOFILE = 65_535;

/** Docker's masked and read-only /proc and /sys paths. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** The OCI runtime spec (config.json) of one ECS container, with Docker's defaults. */
export function buildRuntimeSpec(input: RuntimeSpecInput): OciSpec {
  if (input.args.length === 0) throw new RangeError('A container needs a command: args is empty');
  if (!input.cgroupsPath.startsWith('/')) {
    throw new RangeError(`Cgroups path "${input.cgroupsPath}" must be absolute`);
  }
  const user = resolveExecUser(input.user, input.userDatabase ?? {});
  const init = input.initProcessEnabled === true;
  const cwd = input.cwd ?? '/';
  if (!cwd.startsWith('/')) throw new RangeError(`Working directory "${cwd}" must be absolute`);
  const ociProcess: OciProcess = {
    terminal: false,
    user: {
      uid: user.uid,
      gid: user.gid,
      ...(user.additionalGids.length ? { additionalGids: [...user.additionalGids] } : {}),
    },
    args: init ? [INIT_PATH_IN_CONTAINER, '--', ...input.args] : [...input.args],
    env: buildEnv(input.env ?? {}, input.hostname),
    cwd,
    capabilities: capabilitySets(resolveCapabilities(input.capabilities ?? {}), user.uid),
    rlimits: buildRlimits(input.ulimits ?? [], input.nofileCeiling),
    noNewPrivileges: input.noNewPrivileges ?? false,
  };
  const extraMounts: OciMount[] = [
    ...(input.mounts ?? []).map(bindMount),
    ...(input.tmpfs ?? []).map(tmpfsMount),
    ...(init
      ? [
          bindMount({
            source: input.initBinaryPath ?? '/usr/bin/tini-static',
            destination: INIT_PATH_IN_CONTAINER,
            readOnly: true,
          }),
        ]
      : []),
  ];
  const sysctl = Object.fromEntries(
    (input.systemControls ?? []).map((control) => [control.namespace, control.value]),
  );
  return {
    ociVersion: '1.0.2',
    process: ociProcess,
    root: { path: input.rootfsPath, readonly: input.readonlyRootFilesystem ?? false },
    ...(input.hostname === undefined ? {} : { hostname: input.hostname }),
    mounts: mergeMounts(defaultMounts(input.sharedMemorySizeMiB ?? 64), extraMounts),
    ...(input.annotations ? { annotations: { ...input.annotations } } : {}),
    linux: {
      namespaces: [
        input.pidNamespacePath ? { type: 'pid', path: input.pidNamespacePath } : { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        input.networkNamespacePath
          ? { type: 'network', path: input.networkNamespacePath }
          : { type: 'network' },
      ],
      cgroupsPath: input.cgroupsPath,
      resources: buildResources(input),
      ...(Object.keys(sysctl).length ? { sysctl } : {}),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}

/**
 * ECS container cpu units as cpu shares, by the ECS agent's rule: absent, 0 and 1 become the
 * kernel's minimum of 2 (Docker alone would read 0 as 1024); above 262144 (256 vCPU) is capped.
 */
export function cpuSharesFromUnits(cpuUnits: number | undefined): number {
  return Math.min(262_144, Math.max(2, Math.trunc(cpuUnits ?? 0)));
}

function buildEnv(env: Readonly<Record<string, string>>, hostname: string | undefined): string[] {
  const result: string[] = [];
  if (!Object.hasOwn(env, 'PATH')) result.push(`PATH=${DEFAULT_PATH}`);
  if (hostname !== undefined && !Object.hasOwn(env, 'HOSTNAME')) result.push(`HOSTNAME=${hostname}`);
  for (const [name, value] of Object.entries(env)) {
    if (name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new RangeError(`Environment variable "${name}" has an invalid name or value`);
    }
    result.push(`${name}=${value}`);
  }
  return result;
}

function buildRlimits(ulimits: readonly Ulimit[], nofileCeiling: number | undefined) {
  const nofile = Math.min(FARGATE_NOFILE, nofileCeiling ?? FARGATE_NOFILE);
  const all = ulimits.some((ulimit) => ulimit.name === 'nofile')
    ? ulimits
    : [...ulimits, { name: 'nofile', softLimit: nofile, hardLimit: nofile }];
  return all.map((ulimit) => {
    if (!ULIMIT_NAMES.has(ulimit.name)) throw new RangeError(`Unknown ulimit "${ulimit.name}"`);
    return {
      type: `RLIMIT_${ulimit.name.toUpperCase()}`,
      soft: rlimitValue(ulimit.softLimit),
      hard: rlimitValue(ulimit.hardLimit),
    };
  });
}

function rlimitValue(value: number): number | bigint {
  if (value === -1) return RLIM_INFINITY;
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Ulimit value "${value}" is invalid`);
  return value;
}

function buildResources(input: RuntimeSpecInput) {
  const memory: { limit?: number; reservation?: number; swap?: number; swappiness?: number } = {};
  if (input.memoryMiB !== undefined) {
    memory.limit = input.memoryMiB * MIB;
    if (input.swapLimitSupported !== false) memory.swap = (input.memoryMiB + (input.maxSwapMiB ?? 0)) * MIB;
  } else if (input.maxSwapMiB !== undefined) {
    throw new RangeError('maxSwap needs a container memory limit');
  }
  if (input.memoryReservationMiB !== undefined) memory.reservation = input.memoryReservationMiB * MIB;
  if (input.swappiness !== undefined) memory.swappiness = input.swappiness;
  return {
    // Deny every device but those runc allows by default (null, zero, full, tty, urandom, random, ptmx ...).
    devices: [{ allow: false, access: 'rwm' }],
    ...(Object.keys(memory).length ? { memory } : {}),
    cpu: { shares: cpuSharesFromUnits(input.cpuUnits) },
    ...(input.pidsLimit === undefined ? {} : { pids: { limit: input.pidsLimit } }),
  };
}

function defaultMounts(sharedMemorySizeMiB: number): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${sharedMemorySizeMiB * MIB}`],
    },
  ];
}

function bindMount(mount: BindMount): OciMount {
  checkDestination(mount.destination);
  return {
    destination: mount.destination,
    type: 'bind',
    source: mount.source,
    options: ['rbind', mount.readOnly ? 'ro' : 'rw', 'rprivate'],
  };
}

function tmpfsMount(mount: TmpfsMount): OciMount {
  checkDestination(mount.containerPath);
  const user = mount.mountOptions ?? [];
  // Docker's tmpfs defaults, unless the task definition says the opposite (exec, suid, dev).
  const defaults = ['noexec', 'nosuid', 'nodev'].filter((option) => !user.includes(option.slice(2)));
  return {
    destination: mount.containerPath,
    type: 'tmpfs',
    source: 'tmpfs',
    options: [
      ...defaults,
      ...user.filter((option) => !option.startsWith('size=')),
      `size=${mount.size * MIB}`,
    ],
  };
}

function checkDestination(destination: string): void {
  if (!destination.startsWith('/'))
    throw new RangeError(`Mount destination "${destination}" must be absolute`);
}

// A caller's mount replaces a default one at the same place or above it (a volume on /dev/shm);
// the rest are sorted parents first, so that a mount never hides one made before it.
function mergeMounts(defaults: readonly OciMount[], extra: readonly OciMount[]): OciMount[] {
  const covers = (outer: string, inner: string) =>
    inner === outer || inner.startsWith(`${outer === '/' ? '' : outer}/`);
  const kept = defaults.filter(
    (mount) => !extra.some((other) => covers(other.destination, mount.destination)),
  );
  const depth = (mount: OciMount) => mount.destination.split('/').filter(Boolean).length;
  return [...kept, ...[...extra].sort((a, b) => depth(a) - depth(b))];
}
