import { validationError } from '../../core/elbv2/elbv2-errors.ts';
import { decodeToken, encodeToken, pageSize } from '../protocol/pagination.ts';

/** ELB's page size: up to 400 items, 400 when the request names none. */
export const pageSizeOf = (size: number | undefined) =>
  pageSize(size, { max: 400 }, () => validationError('Page size must be from 1 to 400'));

/** Describe operations' Marker: the position after the last item of a page, opaque to clients. */
export const markerOf = (position: unknown) => encodeToken(position);

export function positionOf<T>(marker: string | undefined, valid: (v: unknown) => v is T): T | undefined {
  return decodeToken(marker, valid, () => validationError('Invalid Marker'));
}

/**
 * One page of items and its NextMarker: asks the store for one item more than the page holds,
 * which says whether another page follows.
 */
export function pageOf<T>(items: T[], size: number, positionOfItem: (item: T) => unknown) {
  const more = items.length > size;
  const page = more ? items.slice(0, size) : items;
  return { page, ...(more && { nextMarker: markerOf(positionOfItem(page.at(-1)!)) }) };
}
