import type {
  DescribeServiceRevisionsRequest,
  DescribeServiceRevisionsResponse,
  ServiceRevision,
} from '@aws-sdk/client-ecs';
import { clusterArn, ecsArnResource, serviceArn } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getServiceRevision } from '../../store/service-revisions.ts';
import type { OperationContext } from '../operation.ts';

/** Describes up to 20 service revisions by ARN; unknown ones are failures with reason MISSING. */
export async function describeServiceRevisions(
  ctx: OperationContext,
  input: Wire<DescribeServiceRevisionsRequest>,
): Promise<Wire<DescribeServiceRevisionsResponse>> {
  const arns = input.serviceRevisionArns ?? [];
  if (arns.length === 0 || arns.length > 20) {
    throw ecsError('InvalidParameterException', 'serviceRevisionArns must have between 1 and 20 items.');
  }
  const out: Wire<DescribeServiceRevisionsResponse> = { serviceRevisions: [], failures: [] };
  for (const arn of arns) {
    const [cluster, service] = ecsArnResource(ctx.scope, arn, 'service-revision')?.split('/') ?? [];
    const doc = cluster && service ? await getServiceRevision(ctx.deps.store.db, arn) : undefined;
    if (!doc) {
      out.failures!.push({ arn, reason: 'MISSING' });
      continue;
    }
    out.serviceRevisions!.push({
      serviceRevisionArn: arn,
      serviceArn: serviceArn(ctx.scope, cluster!, service!),
      clusterArn: clusterArn(ctx.scope, cluster!),
      ...(doc as Wire<ServiceRevision>),
    });
  }
  return out;
}
