/**
 * Where an event sits in a stream's or group's order: by timestamp, then by the order it was
 * stored in (`id`, unique across the store). The first position comes before every event.
 */
export interface EventPosition {
  timestamp: number;
  id: number;
}

export const HEAD: EventPosition = { timestamp: 0, id: 0 };

const _DIGITS = 56;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** AWS's eventIds are 56 digits; neargate's encode the event's position, so they are stable and unique. */
export const eventId = (p: EventPosition): string => `${pad(0, 16)}${pad(p.timestamp, 20)}${pad(p.id, 20)}`;

/**
 * GetLogEvents' tokens, shaped as AWS's (`f/` or `b/` and 56 digits): a forward token reads the
 * events after a position, a backward token those up to it. The same position always gives the
 * same token, so a reader at the end of a stream gets back the token it passed in.
 */
export type StreamToken = { direction: 'f' | 'b'; after: EventPosition };

export const formatStreamToken = (t: StreamToken): string => `${t.direction}/${eventId(t.after)}`;

export function parseStreamToken(text: string): StreamToken | undefined {
  const m = /^([fb])\/(\d{16})(\d{20})(\d{20})$/.exec(text);
  if (!m || Number(m[2]) !== 0) return undefined;
  const timestamp = Number(m[3]);
  const id = Number(m[4]);
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(id)) return undefined;
  return { direction: m[1] as 'f' | 'b', after: { timestamp, id } };
}

export const comparePositions = (a: EventPosition, b: EventPosition): number =>
  a.timestamp - b.timestamp || a.id - b.id;
