import type { Dirent } from 'node:fs';
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupDirs } from './cgroup-dirs.ts';
import type { CgroupMounts } from './cgroup-mounts.ts';

export interface RemoveCgroupOptions {
  /**
   * How long to retry a cgroup that still holds processes (EBUSY): the last processes of a
   * container may take a few milliseconds to leave after its init is reaped. Those still there
   * after the first try are killed.
   * @default 2_000
   */
  readonly busyTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Removes a cgroup and every cgroup below it from every tree of the host, killing what still runs
 * there. A cgroup that is already gone is fine; one whose processes do not leave within
 * `busyTimeoutMs` is an error.
 */
export async function removeCgroup(
  mounts: CgroupMounts,
  cgroupPath: string,
  { busyTimeoutMs = 2_000, signal }: RemoveCgroupOptions = {},
): Promise<void> {
  const deadline = performance.now() + busyTimeoutMs;
  for (const dir of cgroupDirs(mounts, cgroupPath)) {
    await removeTree(dir, deadline, signal);
  }
}

async function removeTree(dir: string, deadline: number, signal: AbortSignal | undefined): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) await removeTree(join(dir, entry.name), deadline, signal);
  }
  for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 100)) {
    signal?.throwIfAborted();
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || performance.now() >= deadline) {
        throw new Error(`Cannot remove cgroup "${dir}": ${(error as Error).message}`, { cause: error });
      }
    }
    await killMembers(dir);
    await sleep(delayMs, undefined, signal ? { signal } : {});
  }
}

/** SIGKILLs every process of the cgroup (not below it). Those that left meanwhile are fine. */
async function killMembers(dir: string): Promise<void> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  for (const pid of text.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}
