import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ImageError } from './image-error.ts';

export type Compression = 'none' | 'gzip' | 'zstd';

/** Layers are told apart by their first bytes, not their media type: archives often lie about it. */
export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export async function detectFileCompression(path: string): Promise<Compression> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return detectCompression(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * The uncompressed bytes of a file that holds a plain or gzip tar. zstd is recognised but
 * refused with `UnsupportedCompression`: Node 20's zlib has no zstd (Node 22.15 adds it).
 */
export async function openDecompressed(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<Readable> {
  const compression = await detectFileCompression(path);
  if (compression === 'zstd') {
    throw new ImageError(
      'UnsupportedCompression',
      `File "${path}" is zstd-compressed, which is not supported yet`,
      {
        path,
      },
    );
  }
  const file = createReadStream(path, {
    highWaterMark: 256 * 1024,
    ...(options.signal && { signal: options.signal }),
  });
  if (compression === 'none') return file;
  // pipeline forwards an error of either stream to the other, so the reader sees it.
  return pipeline(file, createGunzip(), () => {});
}
