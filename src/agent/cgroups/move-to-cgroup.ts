import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyCgroupPlan } from './apply-cgroup-plan.ts';
import { cgroupDirs } from './cgroup-dirs.ts';
import type { CgroupMounts } from './cgroup-mounts.ts';
import { planTaskCgroup } from './cgroup-plan.ts';

/**
 * Moves a process into a cgroup (without limits) in every tree, creating it as needed. In hybrid
 * mode that includes the cgroup2 tree, which is the one systemd tracks its units' processes in.
 */
export async function moveToCgroup(mounts: CgroupMounts, cgroupPath: string, pid: number): Promise<void> {
  await applyCgroupPlan(planTaskCgroup(mounts, cgroupPath, {}, { delegate: false }));
  for (const dir of cgroupDirs(mounts, cgroupPath)) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'cgroup.procs'), String(pid), { flag: 'r+' });
  }
}
