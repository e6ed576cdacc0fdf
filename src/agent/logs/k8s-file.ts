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

const RECORD =
  /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d) (stdout|stderr) ([FP]) ?/;

/** The time conmon wrote on a record (nanoseconds kept to the millisecond), epoch ms. */
function recordTime(m: RegExpExecArray): number {
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (zone !== 'Z') {
    const z = /([+-])(\d\d):?(\d\d)/.exec(zone!)!;
    const minutes = Number(z[2]) * 60 + Number(z[3]);
    t -= (z[1] === '+' ? 1 : -1) * minutes * 60_000;
  }
  return t;
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
  let skippedBytes = 0;
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break;
    const raw = buf.toString('utf8', pos, nl);
    const m = RECORD.exec(raw);
    if (m) {
      records.push({
        offset: base + pos,
        end: base + nl + 1,
        time: recordTime(m),
        stream: m[9] as 'stdout' | 'stderr',
        partial: m[10] === 'P',
        text: raw.slice(m[0].length),
      });
    } else skippedBytes += nl + 1 - pos;
    pos = nl + 1;
  }
  const endOfRecords = base + pos;
  const lines: ContainerLogLine[] = [];
  const open = new Map<string, ContainerLogLine>();
  // Lines in the order they started; a line is complete once its F record is read.
  const started: { line: ContainerLogLine; done: boolean }[] = [];
  for (const r of records) {
    const current = open.get(r.stream);
    if (current) {
      current.text += r.text;
      current.end = r.end;
    } else {
      const line: ContainerLogLine = {
        offset: r.offset,
        end: r.end,
        time: r.time,
        stream: r.stream,
        text: r.text,
      };
      started.push({ line, done: false });
      open.set(r.stream, line);
    }
    if (!r.partial) {
      const entry = started.find((s) => s.line === open.get(r.stream));
      if (entry) entry.done = true;
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
