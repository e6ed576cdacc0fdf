import { readFile } from 'node:fs/promises';

/**
 * How the host mounts cgroups: `v1` (one hierarchy per controller), `hybrid` (v1 hierarchies plus a
 * cgroup2 tree, usually at /sys/fs/cgroup/unified, that holds no useful controllers) or `v2` (one
 * unified tree at /sys/fs/cgroup).
 */
export type CgroupMode = 'v1' | 'hybrid' | 'v2';

/** Where the cgroup trees of this host are mounted. */
export interface CgroupMounts {
  readonly mode: CgroupMode;
  /** v1 hierarchies: controller name (`cpu`, `memory`, `name=systemd` ...) to mount point. */
  readonly v1: Readonly<Record<string, string>>;
  /** The cgroup2 mount point: the only tree in v2 mode, a controller-less extra in hybrid mode. */
  readonly unified: string | null;
}

const V1_CONTROLLERS = new Set([
  'blkio',
  'cpu',
  'cpuacct',
  'cpuset',
  'devices',
  'freezer',
  'hugetlb',
  'memory',
  'misc',
  'net_cls',
  'net_prio',
  'perf_event',
  'pids',
  'rdma',
]);

/** Reads the calling process's mount table. */
export async function readCgroupMounts(): Promise<CgroupMounts> {
  return parseCgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** Finds the cgroup mounts in the text of /proc/<pid>/mountinfo. */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const v1: Record<string, string> = {};
  let unified: string | null = null;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const fields = left.split(' ');
    const [fsType, , superOptions = ''] = right.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    // A mount of a sub-tree (root other than /) shows another namespace's view; paths under it
    // would not be the paths runc uses.
    if (mountPoint === undefined || root !== '/') continue;
    const path = unescapeMountPath(mountPoint);
    if (fsType === 'cgroup2') {
      unified ??= path;
    } else if (fsType === 'cgroup') {
      for (const option of superOptions.split(',')) {
        if (V1_CONTROLLERS.has(option) || option.startsWith('name=')) v1[option] ??= path;
      }
    }
  }
  const hasV1Controllers = Object.keys(v1).some((name) => !name.startsWith('name='));
  const mode: CgroupMode = hasV1Controllers ? (unified === null ? 'v1' : 'hybrid') : 'v2';
  if (mode === 'v2' && unified === null) throw new Error('No cgroup file system is mounted');
  return { mode, v1, unified };
}

// mountinfo escapes space, tab, newline and backslash as octal.
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
