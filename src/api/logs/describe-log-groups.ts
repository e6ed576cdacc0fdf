import type { DescribeLogGroupsRequest, DescribeLogGroupsResponse } from '@aws-sdk/client-cloudwatch-logs';
import { groupOfIdentifier } from '../../core/logs/log-group-arn.ts';
import { invalidToken, logsError } from '../../core/logs/logs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { listLogGroups } from '../../store/log-groups.ts';
import type { OperationContext } from '../operation.ts';
import { decodeToken, encodeToken, isString } from '../protocol/pagination.ts';
import { logGroupView } from './log-views.ts';

/** The caller's groups in name order, filtered by prefix, substring, class or identifiers. */
export async function describeLogGroups(
  ctx: OperationContext,
  input: Wire<DescribeLogGroupsRequest>,
): Promise<Wire<DescribeLogGroupsResponse>> {
  if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
    throw logsError(
      'InvalidParameterException',
      'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
    );
  }
  if (
    input.logGroupIdentifiers !== undefined &&
    (input.logGroupNamePrefix ?? input.logGroupNamePattern) !== undefined
  ) {
    throw logsError(
      'InvalidParameterException',
      'logGroupIdentifiers cannot be used with logGroupNamePrefix or logGroupNamePattern.',
    );
  }
  const limit = input.limit ?? 50;
  const after = decodeToken(input.nextToken, isString, invalidToken);
  const names = input.logGroupIdentifiers?.map((id) => groupOfIdentifier(id).name);
  const groups = await listLogGroups(ctx.deps.store.db, ctx.scope, {
    ...(input.logGroupNamePrefix !== undefined && { prefix: input.logGroupNamePrefix }),
    ...(input.logGroupNamePattern && { contains: input.logGroupNamePattern }),
    ...(input.logGroupClass !== undefined && { logGroupClass: input.logGroupClass }),
    ...(names !== undefined && { names }),
    ...(after !== undefined && { after }),
    limit,
  });
  const page = groups.slice(0, limit);
  // With logGroupNamePattern, AWS reports only the name, ARN and creation time.
  const brief = input.logGroupNamePattern !== undefined;
  return {
    logGroups: page.map((g) => {
      const v = logGroupView(g);
      return brief ? { logGroupName: v.logGroupName, creationTime: v.creationTime, arn: v.arn } : v;
    }),
    ...(groups.length > limit && { nextToken: encodeToken(page.at(-1)!.name) }),
  };
}
