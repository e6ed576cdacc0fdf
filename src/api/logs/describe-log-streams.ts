import type { DescribeLogStreamsRequest, DescribeLogStreamsResponse } from '@aws-sdk/client-cloudwatch-logs';
import { invalidToken, logsError } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { listLogStreams, type StreamOrder } from '../../store/log-streams.ts';
import type { OperationContext } from '../operation.ts';
import { decodeToken, encodeToken } from '../protocol/pagination.ts';
import { groupOfRequest } from './group-lookup.ts';
import { logStreamView } from './log-views.ts';

/** A token names the order it was made for, and the position after the last stream shown. */
type Token = ['name' | 'lastEvent', boolean, string | [number, string]];
const isToken = (v: unknown): v is Token =>
  Array.isArray(v) &&
  v.length === 3 &&
  (v[0] === 'name' ? typeof v[2] === 'string' : v[0] === 'lastEvent' && isLastEvent(v[2])) &&
  typeof v[1] === 'boolean';
const isLastEvent = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';

export async function describeLogStreams(
  ctx: OperationContext,
  input: Wire<DescribeLogStreamsRequest>,
): Promise<Wire<DescribeLogStreamsResponse>> {
  const db = ctx.deps.store.db;
  const by = input.orderBy === 'LastEventTime' ? 'lastEvent' : 'name';
  if (by === 'lastEvent' && input.logStreamNamePrefix !== undefined) {
    throw logsError('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const group = await groupOfRequest(db, ctx, input);
  const descending = input.descending === true;
  const token = decodeToken(input.nextToken, isToken, invalidToken);
  if (token && (token[0] !== by || token[1] !== descending)) throw invalidToken();
  const order: StreamOrder =
    by === 'name'
      ? { by, ...(token && { after: token[2] as string }) }
      : { by, ...(token && { after: token[2] as [number, string] }) };
  const limit = input.limit ?? 50;
  const streams = await listLogStreams(db, group.id, {
    ...(input.logStreamNamePrefix !== undefined && { prefix: input.logStreamNamePrefix }),
    order,
    descending,
    limit,
  });
  const page = streams.slice(0, limit);
  const last = page.at(-1);
  const scope = { account: group.account, region: group.region };
  return {
    logStreams: page.map((s) => logStreamView(scope, group.name, s)),
    ...(streams.length > limit &&
      last && {
        nextToken: encodeToken([
          by,
          descending,
          by === 'name' ? last.name : [last.lastEventAt ?? -1, last.name],
        ]),
      }),
  };
}
