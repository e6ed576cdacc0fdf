import { join } from 'node:path';
import { checkCgroupPath } from './cgroup-dirs.ts';
import type { CgroupMounts } from './cgroup-mounts.ts';

/** The limits of a task's cgroup, from the task definition's task-level cpu and memory. */
export interface TaskCgroupLimits {
  /** ECS cpu units: 1024 units are one vCPU, enforced as a CFS quota. */
  readonly cpuUnits?: number;
  /** Hard limit on the memory of all the task's containers together, without swap. */
  readonly memoryMiB?: number;
  /** Most processes the task's containers may hold together. */
  readonly pidsLimit?: number;
}

/** One step of setting up a cgroup; a plan is a list of them, run in order. */
export type CgroupOp =
  | { readonly kind: 'mkdir'; readonly dir: string }
  /** `ifExists`: skip when the kernel lacks the file (v1 swap accounting off, no swap in v2). */
  | { readonly kind: 'write'; readonly file: string; readonly value: string; readonly ifExists?: boolean }
  /**
   * v1 memory: the limit and the memory+swap limit, written in the order the kernel accepts (memsw
   * may never be below the limit, so it goes first when raising, second when lowering).
   */
  | {
      readonly kind: 'memoryLimit';
      readonly limitFile: string;
      readonly swapFile: string;
      readonly value: string;
    }
  /** v1 cpuset: a new cgroup starts with no cpus and mems, so it copies its parent's. */
  | { readonly kind: 'inherit'; readonly file: string; readonly from: string }
  /** v2: delegate those controllers to the children, as far as the parent offers them. */
  | { readonly kind: 'enable'; readonly dir: string; readonly controllers: readonly string[] };

/** The CFS period the quota is measured against (the kernel's default). */
export const CFS_PERIOD_US = 100_000;
// The kernel refuses a quota under 1 ms.
const MIN_CFS_QUOTA_US = 1_000;
const MIB = 1024 * 1024;
const V2_CONTROLLERS = ['cpu', 'memory', 'pids'] as const;

/** CFS quota for ECS cpu units: cpuUnits / 1024 vCPU of every period. */
export function cpuQuotaUs(cpuUnits: number, periodUs: number = CFS_PERIOD_US): number {
  if (!Number.isInteger(cpuUnits) || cpuUnits <= 0) {
    throw new RangeError(`Cpu units "${cpuUnits}" must be a positive integer`);
  }
  return Math.max(MIN_CFS_QUOTA_US, Math.round((cpuUnits * periodUs) / 1024));
}

/**
 * The steps that create a task's cgroup with its limits. In v1 and hybrid mode the v1 hierarchies
 * hold the limits (hybrid's cgroup2 tree has no controllers); in v2 the unified tree does, and each
 * level delegates cpu, memory and pids to the next so that container cgroups below can be limited.
 * `delegate: false` makes a leaf for processes instead (v2 allows none in a delegating cgroup).
 */
export function planTaskCgroup(
  mounts: CgroupMounts,
  cgroupPath: string,
  limits: TaskCgroupLimits,
  { delegate = true }: { delegate?: boolean } = {},
): CgroupOp[] {
  checkCgroupPath(cgroupPath);
  const levels = cgroupPath
    .split('/')
    .slice(1)
    .map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  return mounts.mode === 'v2'
    ? planV2(mounts.unified!, levels, limits, delegate)
    : planV1(mounts, levels, limits);
}

function planV1(mounts: CgroupMounts, levels: readonly string[], limits: TaskCgroupLimits): CgroupOp[] {
  const ops: CgroupOp[] = [];
  const roots = new Set(Object.values(mounts.v1));
  const at = (controller: string) => mounts.v1[controller];
  const leaf = (root: string) => join(root, levels.at(-1)!);
  for (const root of roots) {
    let parent = root;
    for (const level of levels) {
      const dir = join(root, level);
      ops.push({ kind: 'mkdir', dir });
      if (root === at('cpuset')) {
        for (const file of ['cpuset.cpus', 'cpuset.mems']) {
          ops.push({ kind: 'inherit', file: join(dir, file), from: join(parent, file) });
        }
      }
      parent = dir;
    }
  }
  const cpu = at('cpu');
  if (limits.cpuUnits !== undefined && cpu !== undefined) {
    ops.push({ kind: 'write', file: join(leaf(cpu), 'cpu.cfs_period_us'), value: String(CFS_PERIOD_US) });
    ops.push({
      kind: 'write',
      file: join(leaf(cpu), 'cpu.cfs_quota_us'),
      value: String(cpuQuotaUs(limits.cpuUnits)),
    });
  }
  const memory = at('memory');
  if (limits.memoryMiB !== undefined && memory !== undefined) {
    ops.push({
      kind: 'memoryLimit',
      limitFile: join(leaf(memory), 'memory.limit_in_bytes'),
      swapFile: join(leaf(memory), 'memory.memsw.limit_in_bytes'),
      value: String(mebibytes(limits.memoryMiB)),
    });
  }
  const pids = at('pids');
  if (limits.pidsLimit !== undefined && pids !== undefined) {
    ops.push({ kind: 'write', file: join(leaf(pids), 'pids.max'), value: String(limits.pidsLimit) });
  }
  return ops;
}

function planV2(
  root: string,
  levels: readonly string[],
  limits: TaskCgroupLimits,
  delegate: boolean,
): CgroupOp[] {
  // Parents first: a controller can be delegated to a child only once the parent has it.
  const ops: CgroupOp[] = [{ kind: 'enable', dir: root, controllers: V2_CONTROLLERS }];
  levels.forEach((level, i) => {
    ops.push({ kind: 'mkdir', dir: join(root, level) });
    if (i < levels.length - 1)
      ops.push({ kind: 'enable', dir: join(root, level), controllers: V2_CONTROLLERS });
  });
  const leaf = join(root, levels.at(-1)!);
  if (limits.cpuUnits !== undefined) {
    ops.push({
      kind: 'write',
      file: join(leaf, 'cpu.max'),
      value: `${cpuQuotaUs(limits.cpuUnits)} ${CFS_PERIOD_US}`,
    });
  }
  if (limits.memoryMiB !== undefined) {
    ops.push({ kind: 'write', file: join(leaf, 'memory.max'), value: String(mebibytes(limits.memoryMiB)) });
    ops.push({ kind: 'write', file: join(leaf, 'memory.swap.max'), value: '0', ifExists: true });
  }
  if (limits.pidsLimit !== undefined) {
    ops.push({ kind: 'write', file: join(leaf, 'pids.max'), value: String(limits.pidsLimit) });
  }
  // The task cgroup holds no process itself (v2 forbids it once it delegates): containers go below.
  if (delegate) ops.push({ kind: 'enable', dir: leaf, controllers: V2_CONTROLLERS });
  return ops;
}

function mebibytes(memoryMiB: number): number {
  if (!Number.isInteger(memoryMiB) || memoryMiB <= 0) {
    throw new RangeError(`Memory "${memoryMiB}" MiB must be a positive integer`);
  }
  return memoryMiB * MIB;
}
