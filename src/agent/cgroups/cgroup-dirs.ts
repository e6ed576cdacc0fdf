import { join } from 'node:path';
import type { CgroupMounts } from './cgroup-mounts.ts';

/**
 * Every directory that a cgroup path (as in an OCI `cgroupsPath`, absolute from the root of each
 * tree) names on this host: one per distinct v1 hierarchy, plus the cgroup2 tree, where runc also
 * creates it in hybrid mode.
 */
export function cgroupDirs(mounts: CgroupMounts, cgroupPath: string): string[] {
  const relative = checkCgroupPath(cgroupPath).slice(1);
  const roots = new Set(Object.values(mounts.v1));
  if (mounts.unified !== null) roots.add(mounts.unified);
  return [...roots].map((root) => join(root, relative));
}

/** Returns the path when it is absolute and normalised, or throws a RangeError. */
export function checkCgroupPath(cgroupPath: string): string {
  const parts = cgroupPath.split('/');
  const ok =
    cgroupPath.startsWith('/') &&
    parts.slice(1).every((part) => part !== '' && part !== '.' && part !== '..') &&
    cgroupPath.length > 1;
  if (!ok) throw new RangeError(`Cgroup path "${cgroupPath}" must be absolute and normalised, like "/a/b"`);
  return cgroupPath;
}
