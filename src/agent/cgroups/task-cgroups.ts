import { readdir } from 'node:fs/promises';
import { applyCgroupPlan } from './apply-cgroup-plan.ts';
import { cgroupDirs, checkCgroupPath } from './cgroup-dirs.ts';
import { type CgroupMounts, readCgroupMounts } from './cgroup-mounts.ts';
import { planTaskCgroup, type TaskCgroupLimits } from './cgroup-plan.ts';
import { type RemoveCgroupOptions, removeCgroup } from './remove-cgroup.ts';

export interface TaskCgroupsOptions {
  readonly mounts: CgroupMounts;
  /**
   * The cgroup under which every task cgroup lives. Absolute, so that it does not depend on the
   * cgroup of the process that creates it (runc reads relative paths against its own).
   * @default '/neargate'
   */
  readonly parentPath?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

/**
 * The cgroups of tasks: one per task, `<parent>/<taskId>`, holding the task-level cpu quota and
 * memory limit, with one child per container (`<parent>/<taskId>/<container>`) that runc creates
 * from the container's cgroupsPath with the container-level limits.
 */
export class TaskCgroups {
  readonly mounts: CgroupMounts;
  readonly parentPath: string;

  constructor({ mounts, parentPath = '/neargate' }: TaskCgroupsOptions) {
    this.mounts = mounts;
    this.parentPath = checkCgroupPath(parentPath);
  }

  /** Reads this host's cgroup mounts. */
  static async detect(options: Omit<TaskCgroupsOptions, 'mounts'> = {}): Promise<TaskCgroups> {
    return new TaskCgroups({ ...options, mounts: await readCgroupMounts() });
  }

  /** The task's cgroup path, as used in cgroupsPath. */
  taskPath(taskId: string): string {
    return `${this.parentPath}/${checkName('Task id', taskId)}`;
  }

  /** The cgroupsPath to give the OCI spec of one of the task's containers. */
  containerPath(taskId: string, containerName: string): string {
    return `${this.taskPath(taskId)}/${checkName('Container name', containerName)}`;
  }

  /** Creates the task's cgroup with its limits (again, if it exists) and returns its path. */
  async create(taskId: string, limits: TaskCgroupLimits): Promise<string> {
    const path = this.taskPath(taskId);
    // A cgroup mkdir waits for the kernel (an RCU grace period): v1 hierarchies go in parallel.
    await Promise.all(hierarchies(this.mounts).map((m) => applyCgroupPlan(planTaskCgroup(m, path, limits))));
    return path;
  }

  /** Removes the task's cgroup and what is left of its containers' cgroups, once their processes are gone. */
  async remove(taskId: string, options: RemoveCgroupOptions = {}): Promise<void> {
    await removeCgroup(this.mounts, this.taskPath(taskId), options);
  }

  /** Removes the parent cgroup itself, once no task cgroup is left in it. */
  async removeParent(options: RemoveCgroupOptions = {}): Promise<void> {
    await removeCgroup(this.mounts, this.parentPath, options);
  }

  /** Task ids that have a cgroup on this host, in any tree: for cleanup after a crash. */
  async list(): Promise<string[]> {
    const ids = new Set<string>();
    for (const dir of cgroupDirs(this.mounts, this.parentPath)) {
      try {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          if (entry.isDirectory() && NAME.test(entry.name)) ids.add(entry.name);
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return [...ids].sort();
  }
}

/** The mounts split into one per v1 hierarchy (controllers mounted together stay together); v2 is one. */
function hierarchies(mounts: CgroupMounts): CgroupMounts[] {
  if (mounts.mode === 'v2') return [mounts];
  const byRoot = new Map<string, Record<string, string>>();
  for (const [controller, root] of Object.entries(mounts.v1)) {
    byRoot.set(root, { ...byRoot.get(root), [controller]: root });
  }
  return [...byRoot.values()].map((v1) => ({ ...mounts, v1 }));
}

function checkName(what: string, name: string): string {
  if (!NAME.test(name)) throw new RangeError(`${what} "${name}" must be letters, digits, "_", "." or "-"`);
  return name;
}
