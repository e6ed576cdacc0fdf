import { ByteReader } from './byte-reader.ts';
import { ImageError } from './image-error.ts';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

/** One member of a tar stream, with pax and GNU extensions already applied. */
export interface TarEntry {
  /** The name as stored (pax `path` or GNU long name win), not yet checked or cleaned. */
  readonly path: string;
  readonly type: TarEntryType;
  /** Permission bits with setuid, setgid and sticky (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Content length; 0 for every type but `file`. */
  readonly size: number;
  readonly mtimeMs: number;
  /** Target of a symlink or hardlink, else ''. */
  readonly linkpath: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** Extended attributes from `SCHILY.xattr.*` / `LIBARCHIVE.xattr.*` pax records, values as bytes. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
  /** The content, in pieces; read it before asking for the next entry, or it is skipped. */
  body(): AsyncIterable<Buffer>;
}

const BLOCK = 512;

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
};

interface Overrides {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtimeMs?: number;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

/**
 * Reads a tar stream (ustar, pax, GNU long names; the formats Docker, BuildKit, Go's
 * archive/tar and GNU tar write) one entry at a time, with back-pressure: nothing is read
 * ahead of the consumer. After the end-of-archive block the rest of the stream is read too,
 * so a digest computed over the source covers every byte.
 */
export async function* readTar(
  source: AsyncIterable<Uint8Array>,
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let global: Overrides = {};
  let local: Overrides = {};
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const block = await reader.readExact(BLOCK);
      if (block === undefined || isZero(block)) break;
      const header = parseHeader(block);
      const flag = String.fromCharCode(block[156] ?? 0);
      const padded = Math.ceil(header.size / BLOCK) * BLOCK;
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        const data = await readMeta(reader, header.size);
        await reader.skip(padded - header.size);
        if (flag === 'x') local = { ...local, ...parsePax(data) };
        else if (flag === 'g') global = { ...global, ...parsePax(data) };
        else if (flag === 'L') local.path = cString(data);
        else local.linkpath = cString(data);
        continue;
      }
      const type = TYPES[flag];
      if (type === undefined) {
        throw new ImageError('InvalidArchive', `Tar entry "${header.path}" has unsupported type "${flag}"`, {
          path: header.path,
          type: flag,
        });
      }
      const o = { ...global, ...local, xattrs: new Map([...(global.xattrs ?? []), ...(local.xattrs ?? [])]) };
      local = {};
      // As in Go's archive/tar: only regular files have content, whatever the size field says
      // (some writers put the target's size on a hardlink, with no data after it).
      const size = type === 'file' ? (o.size ?? header.size) : 0;
      let started = false;
      let read = 0;
      const entry: TarEntry = {
        path: o.path ?? header.path,
        type,
        mode: header.mode & 0o7777,
        uid: o.uid ?? header.uid,
        gid: o.gid ?? header.gid,
        size,
        mtimeMs: o.mtimeMs ?? header.mtimeMs,
        linkpath: o.linkpath ?? header.linkpath,
        devmajor: o.devmajor ?? header.devmajor,
        devminor: o.devminor ?? header.devminor,
        xattrs: o.xattrs,
        async *body() {
          if (started) throw new TypeError('Tar entry body read twice');
          started = true;
          for await (const piece of reader.stream(size)) {
            read += piece.length;
            yield piece;
          }
        },
      };
      yield entry;
      // Whatever the consumer left unread is skipped, with the padding to the next block.
      await reader.skip(Math.ceil(size / BLOCK) * BLOCK - read);
    }
    await reader.drain();
  } finally {
    await reader.close();
  }
}

interface Header {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  linkpath: string;
  devmajor: number;
  devminor: number;
}

function parseHeader(b: Buffer): Header {
  const checksum = readNumber(b, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (checksum !== unsigned && checksum !== signed) {
    throw new ImageError(
      'InvalidArchive',
      'Tar header checksum does not match; the stream is not a tar or is corrupt',
    );
  }
  const magic = b.subarray(257, 263).toString('latin1');
  const name = cString(b.subarray(0, 100));
  // POSIX ustar splits long names into prefix + name; the old GNU format uses that space otherwise.
  const prefix = magic === 'ustar\0' ? cString(b.subarray(345, 500)) : '';
  return {
    path: prefix ? `${prefix}/${name}` : name,
    mode: readNumber(b, 100, 8),
    uid: readNumber(b, 108, 8),
    gid: readNumber(b, 116, 8),
    size: readNumber(b, 124, 12),
    mtimeMs: readNumber(b, 136, 12) * 1000,
    linkpath: cString(b.subarray(157, 257)),
    devmajor: readNumber(b, 329, 8),
    devminor: readNumber(b, 337, 8),
  };
}

/** Octal text, or GNU base-256 when the high bit of the first byte is set. */
function readNumber(b: Buffer, offset: number, length: number): number {
  const field = b.subarray(offset, offset + length);
  const first = field[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw new ImageError('InvalidArchive', 'Tar header has a negative number');
    let value = first & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    if (!Number.isSafeInteger(value))
      throw new ImageError('InvalidArchive', 'Tar header number is too large');
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new ImageError('InvalidArchive', `Tar header number "${text}" is not octal`);
  return Number.parseInt(text, 8);
}

async function readMeta(reader: ByteReader, size: number): Promise<Buffer> {
  // Pax and long-name records are small; a huge one is an attack on memory.
  if (size > 1024 * 1024)
    throw new ImageError('InvalidArchive', `Tar extended header of ${size} bytes is too large`);
  const data = await reader.readExact(size);
  if (data === undefined && size > 0)
    throw new ImageError('InvalidArchive', 'Tar stream ends inside a header');
  return Buffer.from(data ?? Buffer.alloc(0));
}

/** Pax records are `<length> <key>=<value>\n`; values may be binary (xattrs), so parse bytes. */
function parsePax(data: Buffer): Overrides {
  const out: Overrides = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? Number.NaN : Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) {
      throw new ImageError('InvalidArchive', 'Tar pax header is malformed');
    }
    const record = data.subarray(space + 1, pos + length - 1);
    pos += length;
    const eq = record.indexOf(0x3d);
    if (eq === -1) continue;
    const key = record.subarray(0, eq).toString('utf8');
    const raw = record.subarray(eq + 1);
    const value = raw.toString('utf8');
    if (key === 'path') out.path = value;
    else if (key === 'linkpath') out.linkpath = value;
    else if (key === 'size') out.size = paxInteger(key, value);
    else if (key === 'uid') out.uid = paxInteger(key, value);
    else if (key === 'gid') out.gid = paxInteger(key, value);
    else if (key === 'SCHILY.devmajor') out.devmajor = paxInteger(key, value);
    else if (key === 'SCHILY.devminor') out.devminor = paxInteger(key, value);
    else if (key === 'mtime') out.mtimeMs = paxTimeMs(value);
    else if (key.startsWith('SCHILY.xattr.')) {
      out.xattrs ??= new Map();
      out.xattrs.set(key.slice('SCHILY.xattr.'.length), Buffer.from(raw));
    } else if (key.startsWith('LIBARCHIVE.xattr.')) {
      out.xattrs ??= new Map();
      out.xattrs.set(decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length)), Buffer.from(value, 'base64'));
    }
  }
  return out;
}

function paxInteger(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ImageError('InvalidArchive', `Tar pax record "${key}" has invalid value "${value}"`);
  }
  return n;
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
}

function isZero(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/**
 * A pax time (seconds, with a fraction to the nanosecond) in whole milliseconds, truncated as
 * tar truncates: rounding would carry 1796184328.9996 into the next second.
 */
function paxTimeMs(value: string): number {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!m) return Math.floor(Number(value) * 1000);
  return Number(m[1]) * 1000 + Number((m[2] ?? '').slice(0, 3).padEnd(3, '0'));
}
