import { utf8Length } from './utf8-length.ts';

/** One line a container wrote, as its supervisor logged it. */
export interface ContainerLine {
  /** Byte offset in the log file where the line's first record starts. */
  offset: number;
  /** Where the line's last record ends: the next line starts there or later. */
  end: number;
  /** When the supervisor wrote it, epoch ms. */
  time: number;
  text: string;
}

/** Docker's awslogs driver splits longer messages into events of at most this many bytes. */
export const MAX_EVENT_MESSAGE_BYTES = 262_144 - 26;

/** Docker flushes a multiline event this long after its first line when no new event starts. */
export const MULTILINE_FLUSH_MS = 5000;

export interface LineEvent {
  timestamp: number;
  message: string;
}

export interface Assembled {
  events: LineEvent[];
  /** The file offset to read on from: the start of a multiline event still open, else past the last line. */
  resumeAt: number;
}

/**
 * Turns lines into events as Docker's awslogs driver does: each non-empty line is an event
 * (split at 262,118 bytes); with a multiline pattern a matching line starts an event and the
 * lines after it that do not match are joined to it, each ending in a newline. An event still
 * open at the end is kept for the next read unless `flush` (the container has ended) or it is
 * older than the flush interval at `now`.
 */
export function assembleEvents(
  lines: readonly ContainerLine[],
  opts: { multiline?: RegExp | undefined; from: number; now: number; flush: boolean },
): Assembled {
  const events: LineEvent[] = [];
  const emit = (timestamp: number, message: string) => {
    for (const piece of splitMessage(message)) events.push({ timestamp, message: piece });
  };
  if (!opts.multiline) {
    for (const l of lines) emit(l.time, l.text);
    return { events, resumeAt: lines.at(-1)?.end ?? opts.from };
  }
  let open: { offset: number; time: number; text: string; bytes: number } | undefined;
  for (const l of lines) {
    const lineBytes = utf8Length(l.text);
    const starts =
      opts.multiline.test(l.text) ||
      (open !== undefined &&
        (open.bytes + lineBytes > MAX_EVENT_MESSAGE_BYTES || l.time - open.time >= MULTILINE_FLUSH_MS));
    if (open && starts) {
      emit(open.time, open.text);
      open = undefined;
    }
    const text = lineBytes < MAX_EVENT_MESSAGE_BYTES ? `${l.text}\n` : l.text;
    if (open) {
      open.text += text;
      open.bytes += lineBytes + 1;
    } else open = { offset: l.offset, time: l.time, text, bytes: lineBytes + 1 };
  }
  const end = lines.at(-1)?.end ?? opts.from;
  if (open && (opts.flush || opts.now - open.time >= MULTILINE_FLUSH_MS)) {
    emit(open.time, open.text);
    open = undefined;
  }
  return { events, resumeAt: open ? open.offset : end };
}

/** Pieces of at most MAX_EVENT_MESSAGE_BYTES, cut between characters; nothing for an empty message. */
export function splitMessage(message: string): string[] {
  if (message.length === 0) return [];
  if (message.length * 3 <= MAX_EVENT_MESSAGE_BYTES || utf8Length(message) <= MAX_EVENT_MESSAGE_BYTES) {
    return [message];
  }
  const out: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < message.length;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > MAX_EVENT_MESSAGE_BYTES) {
      out.push(message.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    if (pair) i++;
  }
  out.push(message.slice(start));
  return out;
}
