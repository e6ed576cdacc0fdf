import type { ContainerLogLine } from '../host-agent.ts';

/** One record of conmon's k8s-file log: `<RFC 3339 time> stdout|stderr F|P <text>\n`. */
interface LogRecord {
  offset: number;
  end: number;
  time: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

const STAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/;

/** Reads conmon's RFC 3339 times (nanoseconds kept to the millisecond) as epoch ms; the whole seconds and zone are parsed once per distinct value. */
class StampReader {
  #key = '';
  #base = Number.NaN;

  read(stamp: string): number {
    const dot = stamp.indexOf('.');
    const zoneAt = Math.max(stamp.lastIndexOf('+'), stamp.lastIndexOf('-'), stamp.indexOf('Z'));
    const key = dot > 0 ? stamp.slice(0, dot) + stamp.slice(zoneAt) : stamp;
    if (key !== this.#key) {
      const m = STAMP.exec(key);
      if (!m) return Number.NaN;
      const [, y, mo, d, h, mi, sec, , zone] = m;
      let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
      if (zone !== 'Z') {
        const z = /([+-])(\d\d):?(\d\d)/.exec(zone!)!;
        t -= (z[1] === '+' ? 1 : -1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
      }
      this.#key = key;
      this.#base = t;
    }
    if (dot < 0 || zoneAt < dot) return this.#base;
    const frac = stamp.slice(dot + 1, zoneAt);
    if (!/^\d+$/.test(frac)) return Number.NaN;
    return this.#base + Number(frac.padEnd(3, '0').slice(0, 3));
  }
}

export interface ParsedLog {
  lines: ContainerLogLine[];
  /** Where reading goes on: after the last line given, or at the start of a line still being written. */
  next: number;
  /** Bytes that were not records (skipped). */
  skippedBytes: number;
}

/**
 * Parses whole records of a k8s-file log read from `base`, joining a line written in pieces
 * (`P` records, then `F`; per stream) into one. A line is given only once all its records are
 * read, and only if every line before it is complete too, so `next` never skips one; `ended`
 * (the container is gone) completes lines still in pieces, and `force` does when the buffer is
 * full of one giant line.
 */
export function parseK8sLog(buf: Buffer, base: number, opts: { ended: boolean; force: boolean }): ParsedLog {
  const records: LogRecord[] = [];
  const stamps = new StampReader();
  let skippedBytes = 0;
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break;
    const raw = buf.toString('utf8', pos, nl);
    // `<time> <stream> <F|P> <text>`: fixed fields split at their spaces.
    const s1 = raw.indexOf(' ');
    const s2 = s1 < 0 ? -1 : raw.indexOf(' ', s1 + 1);
    const stream = s2 < 0 ? '' : raw.slice(s1 + 1, s2);
    const tag = s2 < 0 ? '' : raw.charAt(s2 + 1);
    const time = s1 < 0 ? Number.NaN : stamps.read(raw.slice(0, s1));
    const rest = s2 + 2;
    const valid =
      (stream === 'stdout' || stream === 'stderr') &&
      (tag === 'F' || tag === 'P') &&
      (rest === raw.length || raw.charAt(rest) === ' ') &&
      !Number.isNaN(time);
    if (valid) {
      records.push({
        offset: base + pos,
        end: base + nl + 1,
        time,
        stream,
        partial: tag === 'P',
        text: raw.slice(rest + 1),
      });
    } else skippedBytes += nl + 1 - pos;
    pos = nl + 1;
  }
  const endOfRecords = base + pos;
  const lines: ContainerLogLine[] = [];
  // Lines in the order they started; a line is complete once its F record is read.
  const started: { line: ContainerLogLine; done: boolean }[] = [];
  const open = new Map<string, { line: ContainerLogLine; done: boolean }>();
  for (const r of records) {
    let entry = open.get(r.stream);
    if (entry) {
      entry.line.text += r.text;
      entry.line.end = r.end;
    } else {
      entry = {
        line: { offset: r.offset, end: r.end, time: r.time, stream: r.stream, text: r.text },
        done: false,
      };
      started.push(entry);
      open.set(r.stream, entry);
    }
    if (!r.partial) {
      entry.done = true;
      open.delete(r.stream);
    }
  }
  let next = base;
  for (const s of started) {
    if (!s.done && !opts.ended && !(opts.force && lines.length === 0)) break;
    lines.push(s.line);
    next = s.line.end;
  }
  // Nothing pending: go on after the last record (past any skipped text too).
  if (lines.length === started.length) next = endOfRecords;
  return { lines, next, skippedBytes };
}
