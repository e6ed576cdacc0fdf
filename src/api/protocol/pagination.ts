import type { ServiceError } from '../../core/service-error.ts';

/**
 * Opaque `nextToken`s: the position after the last item of a page (keyset pagination), so a
 * page stays right while items are added or removed between calls.
 */
export function encodeToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a token holds, undefined without a token; a token that is not ours is refused. */
export function decodeToken<T>(
  token: string | undefined,
  valid: (v: unknown) => v is T,
  invalid: () => ServiceError,
): T | undefined {
  if (token === undefined || token === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!valid(v)) throw invalid();
  return v;
}

/** `maxResults` checked against its range; the default when absent. */
export function pageSize(
  maxResults: number | undefined,
  limits: { max: number; default?: number },
  invalid: () => ServiceError,
): number {
  if (maxResults === undefined) return limits.default ?? limits.max;
  if (maxResults < 1 || maxResults > limits.max) throw invalid();
  return maxResults;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
