import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { readMountInfo } from '../../../src/agent/images/mountinfo.ts';

/**
 * A temporary directory removed after the test, pass or fail, together with every mount
 * under it (deepest first, lazily so a busy one cannot block the cleanup).
 */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'neargate-images-'));
  t.after(() => removeTempDir(dir));
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  const mounts = (await readMountInfo())
    .map((m) => m.mountPoint)
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) execFileSync('umount', ['--lazy', mountPoint]);
  const left = (await readMountInfo()).filter((m) => m.mountPoint.startsWith(`${dir}/`));
  // Never rm -r through a mount: it would delete the files of whatever is mounted there.
  if (left.length > 0)
    throw new Error(`Mounts left under "${dir}": ${left.map((m) => m.mountPoint).join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}
