import { open } from 'node:fs/promises';
import type { ContainerLogChunk, LogPosition, ReadLogOptions } from '../host-agent.ts';
import { parseK8sLog } from './k8s-file.ts';

/**
 * Reads whole records of a k8s-file log from a position. A position in another file (conmon
 * replaced the log) or past the end (it was cut) starts over at the file's beginning, and
 * counts what it passed over; one that falls inside a record (or in a trimmed log's hole) moves
 * on to the next record.
 */
export async function readContainerLog(
  path: string,
  from: LogPosition,
  opts: ReadLogOptions,
): Promise<ContainerLogChunk> {
  const file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!file) return { lines: [], next: from, size: 0, full: false, skippedBytes: 0, missing: true };
  try {
    const st = await file.stat();
    const fileId = `${st.dev}:${st.ino}`;
    let offset = from.offset;
    let skippedBytes = 0;
    if ((from.fileId !== '' && from.fileId !== fileId) || offset > st.size) {
      // Replaced or truncated: what the old file held past the position is gone, unknown how much.
      offset = 0;
    }
    if (offset > 0) {
      // Resume only at a record boundary (after a newline).
      const probe = Buffer.alloc(1);
      await file.read(probe, 0, 1, offset - 1);
      if (probe[0] !== 0x0a) {
        const ahead = Buffer.alloc(Math.min(65_536, st.size - offset));
        const { bytesRead } = await file.read(ahead, 0, ahead.length, offset);
        const nl = ahead.subarray(0, bytesRead).indexOf(0x0a);
        const skip = nl < 0 ? bytesRead : nl + 1;
        offset += skip;
        skippedBytes += skip;
      }
    }
    const want = Math.max(0, Math.min(opts.maxBytes, st.size - offset));
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = want > 0 ? await file.read(buf, 0, want, offset) : { bytesRead: 0 };
    const full = bytesRead >= opts.maxBytes;
    // The shipped start of a trimmed log is a hole that reads as zeros, which no record starts
    // with: a position inside it (a lost cursor) passes over them instead of stalling there.
    const zeros = buf[0] === 0 ? buf.subarray(0, bytesRead).findIndex((b) => b !== 0) : 0;
    const lead = zeros < 0 ? bytesRead : zeros;
    offset += lead;
    skippedBytes += lead;
    const parsed = parseK8sLog(buf.subarray(lead, bytesRead), offset, {
      ended: opts.ended === true && !full,
      force: full,
    });
    return {
      lines: parsed.lines,
      next: { fileId, offset: parsed.next },
      size: st.size,
      full,
      skippedBytes: skippedBytes + parsed.skippedBytes,
      missing: false,
    };
  } finally {
    await file.close();
  }
}
