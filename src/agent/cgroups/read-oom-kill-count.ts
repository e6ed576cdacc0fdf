import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkCgroupPath } from './cgroup-dirs.ts';
import type { CgroupMounts } from './cgroup-mounts.ts';

/**
 * How many processes of a cgroup the kernel's OOM killer has killed, or null when the cgroup (or
 * the memory controller) is not there. The counter belongs to the victim's own cgroup, whichever
 * limit was hit (the container's or the task's), so it tells containers of one task apart. v1 keeps
 * it in memory.oom_control (kernel 4.13 and later), v2 in memory.events, counting sub-cgroups too.
 */
export async function readOomKillCount(mounts: CgroupMounts, cgroupPath: string): Promise<number | null> {
  const relative = checkCgroupPath(cgroupPath).slice(1);
  const memoryRoot = mounts.mode === 'v2' ? mounts.unified : mounts.v1.memory;
  if (memoryRoot === undefined || memoryRoot === null) return null;
  const file = join(memoryRoot, relative, mounts.mode === 'v2' ? 'memory.events' : 'memory.oom_control');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // ENODEV: the cgroup was removed while the file was open.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENODEV') return null;
    throw error;
  }
  return parseOomKillCount(text);
}

/** The `oom_kill` counter of a memory.oom_control (v1) or memory.events (v2) file; 0 if absent. */
export function parseOomKillCount(text: string): number {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}
