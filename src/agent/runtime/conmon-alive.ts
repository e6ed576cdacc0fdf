import { readFile } from 'node:fs/promises';

/**
 * Whether a pid is still the conmon of that container: a pid can be reused, so its command line
 * must name the container too. Zombies do not count.
 */
export async function isConmonAlive(pid: number, containerId: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const [cmdline, stat] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && cmdline.includes(`\0--cid\0${containerId}\0`);
  } catch {
    return false;
  }
}
