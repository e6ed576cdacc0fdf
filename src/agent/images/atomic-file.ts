import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WriteFileAtomicOptions {
  /** Appended to the target name to make the temporary file; must be unique among concurrent writers. */
  tempSuffix: string;
  /**
   * Flush the file and its directory to disk, so the new content survives a power loss.
   * @default true
   */
  durable?: boolean;
}

/** Writes a whole file so readers see either the old content or the new, never a part. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions,
): Promise<void> {
  const temp = `${path}.tmp-${options.tempSuffix}`;
  const durable = options.durable ?? true;
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  if (durable) await syncDirectory(dirname(path));
}

/** fsync on a directory makes a rename or unlink inside it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
