import { utf8Length } from './utf8-length.ts';

/** What PutLogEvents takes in one call (the operation's documented constraints). */
export const BATCH_LIMITS = {
  maxEvents: 10_000,
  maxBytes: 1_048_576,
  /** Counted for every event on top of its UTF-8 message. */
  bytesPerEvent: 26,
  /** One event, overhead included. */
  maxEventBytes: 1_048_576,
  maxSpanMs: 24 * 3_600_000,
  /** Events older than this are set aside (tooOldLogEventEndIndex). */
  maxAgeMs: 14 * 86_400_000,
  /** Events further ahead than this are set aside (tooNewLogEventStartIndex). */
  maxAheadMs: 2 * 3_600_000,
} as const;

export interface InputEvent {
  timestamp: number;
  message: string;
}

export interface RejectedInfo {
  /** Exclusive: the events before this index are older than 14 days. */
  tooOldLogEventEndIndex?: number;
  /** Exclusive: the events before this index (and not too old) precede the group's retention. */
  expiredLogEventEndIndex?: number;
  /** Inclusive: this event and those after it are more than 2 hours ahead. */
  tooNewLogEventStartIndex?: number;
}

/** How a batch fares: refused whole (with AWS's words), or the events kept and those set aside. */
export type BatchVerdict =
  | { ok: false; problem: string }
  | { ok: true; accepted: InputEvent[]; rejected: RejectedInfo };

/**
 * Judges a PutLogEvents batch as CloudWatch Logs does: out of order, too large or spanning more
 * than 24 hours (counted over the events it keeps) refuses it; events too old, expired or too far
 * ahead are set aside (a prefix and a suffix, since the batch is in order) and the rest accepted.
 */
export function judgeBatch(events: readonly InputEvent[], now: number, retentionDays?: number): BatchVerdict {
  let bytes = 0;
  for (const [i, e] of events.entries()) {
    const size = utf8Length(e.message) + BATCH_LIMITS.bytesPerEvent;
    if (size > BATCH_LIMITS.maxEventBytes) {
      return {
        ok: false,
        problem: `Log event too large: ${size} bytes exceeds limit of ${BATCH_LIMITS.maxEventBytes}`,
      };
    }
    bytes += size;
    if (i > 0 && e.timestamp < events[i - 1]!.timestamp) {
      return {
        ok: false,
        problem: 'Log events in a single PutLogEvents request must be in chronological order.',
      };
    }
  }
  if (bytes > BATCH_LIMITS.maxBytes) {
    return {
      ok: false,
      problem: `Upload too large: ${bytes} bytes exceeds limit of ${BATCH_LIMITS.maxBytes}`,
    };
  }
  const tooOldBefore = now - BATCH_LIMITS.maxAgeMs;
  const expiredBefore = retentionDays === undefined ? undefined : now - retentionDays * 86_400_000;
  let first = 0;
  let tooOld = 0;
  while (first < events.length) {
    const t = events[first]!.timestamp;
    if (t < tooOldBefore) tooOld = first + 1;
    else if (expiredBefore === undefined || t >= expiredBefore) break;
    first++;
  }
  let end = events.length;
  while (end > first && events[end - 1]!.timestamp > now + BATCH_LIMITS.maxAheadMs) end--;
  const accepted = events.slice(first, end);
  if (accepted.length > 1 && accepted.at(-1)!.timestamp - accepted[0]!.timestamp > BATCH_LIMITS.maxSpanMs) {
    return {
      ok: false,
      problem: 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    };
  }
  const rejected: RejectedInfo = {};
  if (tooOld > 0) rejected.tooOldLogEventEndIndex = tooOld;
  if (first > tooOld) rejected.expiredLogEventEndIndex = first;
  if (end < events.length) rejected.tooNewLogEventStartIndex = end;
  return { ok: true, accepted, rejected };
}
