import { readFile } from 'node:fs/promises';

/** One line of /proc/self/mountinfo, the fields neargate needs. */
export interface MountInfo {
  mountPoint: string;
  fsType: string;
  source: string;
  /** Per-superblock options, e.g. overlayfs' `lowerdir=...,upperdir=...`. */
  superOptions: string;
}

/** The mounts of this process's mount namespace; reading a file costs no process. */
export async function readMountInfo(path = '/proc/self/mountinfo'): Promise<MountInfo[]> {
  return parseMountInfo(await readFile(path, 'utf8'));
}

/** Parses mountinfo text (proc(5)): optional fields end at a lone `-`. */
export function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash === -1) continue;
    mounts.push({
      mountPoint: unescapeOctal(fields[4] ?? ''),
      fsType: fields[dash + 1] ?? '',
      source: unescapeOctal(fields[dash + 2] ?? ''),
      superOptions: fields[dash + 3] ?? '',
    });
  }
  return mounts;
}

/** The kernel writes space, tab, newline and backslash in paths as octal escapes. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
