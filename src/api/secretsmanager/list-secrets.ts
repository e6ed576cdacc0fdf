import type { ListSecretsRequest, ListSecretsResponse } from '@aws-sdk/client-secrets-manager';
import { secretFilter } from '../../core/secrets/secret-filters.ts';
import { secretsError } from '../../core/secrets/secrets-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getStagesOf, listSecretRecords, type SecretRecord } from '../../store/secrets.ts';
import { getTags, type Tag } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { decodeToken, encodeToken } from '../protocol/pagination.ts';
import { listEntryView } from './secret-view.ts';

/** Where a page ends: the sort key and ARN of its last secret. */
type Position = [string | number, string];
/** A token also names the order it was made for, so it cannot be read in another. */
type Token = [string, Position];
const isToken = (v: unknown): v is Token =>
  Array.isArray(v) &&
  v.length === 2 &&
  typeof v[0] === 'string' &&
  Array.isArray(v[1]) &&
  v[1].length === 2 &&
  (typeof v[1][0] === 'string' || typeof v[1][0] === 'number') &&
  typeof v[1][1] === 'string';

const SORT_KEYS: Record<string, (s: SecretRecord) => string | number> = {
  'created-date': (s) => s.createdAt,
  'last-changed-date': (s) => s.changedAt,
  'last-accessed-date': (s) => s.accessedAt ?? 0,
  name: (s) => s.name,
};

/**
 * Secrets of the caller's account and region, filtered and sorted (by CreatedDate, newest first,
 * unless told otherwise), in pages whose tokens hold the position after the last secret shown.
 */
export async function listSecrets(
  ctx: CipherContext,
  input: Wire<ListSecretsRequest>,
): Promise<Wire<ListSecretsResponse>> {
  const db = ctx.deps.store.db;
  const limit = input.MaxResults ?? 100;
  const sortBy = input.SortBy ?? 'created-date';
  const desc = (input.SortOrder ?? 'desc') === 'desc';
  const orderName = `${sortBy} ${desc ? 'desc' : 'asc'}`;
  const invalid = () => secretsError('InvalidNextTokenException', 'The nextToken provided is not valid.');
  const token = decodeToken(input.NextToken, isToken, invalid);
  if (token && token[0] !== orderName) throw invalid();
  const after = token?.[1];
  const keep = secretFilter(input.Filters ?? []);
  const sortKey = SORT_KEYS[sortBy]!;
  const order = (a: Position, b: Position) => {
    const c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
    return desc ? -c : c;
  };

  const all = await listSecretRecords(db, ctx.scope, {
    includeDeleted: input.IncludePlannedDeletion === true,
  });
  const tagged: { s: SecretRecord; tags: Tag[]; at: Position }[] = [];
  for (const s of all) {
    const tags = await getTags(db, s.arn);
    if (keep({ name: s.name, description: s.description, tags })) {
      tagged.push({ s, tags, at: [sortKey(s), s.arn] });
    }
  }
  tagged.sort((a, b) => order(a.at, b.at));
  const rest = after === undefined ? tagged : tagged.filter((x) => order(x.at, after) > 0);
  const page = rest.slice(0, limit);
  const stages = await getStagesOf(
    db,
    page.map((x) => x.s.arn),
  );
  return {
    SecretList: page.map((x) => listEntryView(x.s, x.tags, stages.get(x.s.arn) ?? {})),
    ...(rest.length > limit && { NextToken: encodeToken([orderName, page.at(-1)!.at]) }),
  };
}
