import type { PutRetentionPolicyRequest } from '@aws-sdk/client-cloudwatch-logs';
import { logsError } from '../../core/logs/logs-errors.ts';
import { isRetentionDays, RETENTION_DAYS } from '../../core/logs/retention.ts';
import type { Wire } from '../../core/wire.ts';
import { setRetention } from '../../store/log-groups.ts';
import type { OperationContext } from '../operation.ts';
import { groupByName } from './group-lookup.ts';

/** Sets how long the group keeps events; the janitor deletes older ones. */
export async function putRetentionPolicy(
  ctx: OperationContext,
  input: Wire<PutRetentionPolicyRequest>,
): Promise<object> {
  const days = input.retentionInDays!;
  if (!isRetentionDays(days)) {
    throw logsError(
      'InvalidParameterException',
      `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
    );
  }
  return ctx.deps.store.write(async (tx) => {
    const group = await groupByName(tx, ctx, input.logGroupName!);
    await setRetention(tx, group.id, days);
    return {};
  });
}
