import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { UserDatabase } from './exec-user.ts';

const MAX_SYMLINKS = 40;
// A user database past this size is not one; reading it whole would only cost memory.
const MAX_BYTES = 4 * 1024 * 1024;

/** Reads the image's /etc/passwd and /etc/group from a rootfs directory, for resolveExecUser. */
export async function readUserDatabase(rootfsDir: string): Promise<UserDatabase> {
  const [passwd, group] = await Promise.all([
    readFileInRoot(rootfsDir, '/etc/passwd'),
    readFileInRoot(rootfsDir, '/etc/group'),
  ]);
  return { ...(passwd === undefined ? {} : { passwd }), ...(group === undefined ? {} : { group }) };
}

/**
 * Reads a file of a rootfs as the container would see it: symlinks are followed inside the rootfs
 * (an absolute target starts again at the rootfs, `..` stops at it), so an image cannot make the
 * host read its own files. Undefined when there is no such regular file.
 */
export async function readFileInRoot(root: string, path: string): Promise<string | undefined> {
  const pending = path.split('/').filter(Boolean);
  const resolved: string[] = [];
  let symlinks = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    const stats = await lstat(candidate).catch(() => undefined);
    if (stats === undefined) return undefined;
    if (stats.isSymbolicLink()) {
      if (++symlinks > MAX_SYMLINKS) return undefined;
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    resolved.push(part);
  }
  const file = join(root, ...resolved);
  const stats = await lstat(file).catch(() => undefined);
  if (!stats?.isFile() || stats.size > MAX_BYTES) return undefined;
  return readFile(file, 'utf8');
}
