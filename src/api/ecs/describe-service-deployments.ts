import type {
  DescribeServiceDeploymentsRequest,
  DescribeServiceDeploymentsResponse,
} from '@aws-sdk/client-ecs';
import { ecsArnResource } from '../../core/ecs/ecs-arn.ts';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { deploymentsOf, getService } from '../../store/services.ts';
import { taskKeysOfService } from '../../store/tasks.ts';
import type { OperationContext } from '../operation.ts';
import { deploymentArnOf, serviceDeploymentView } from './service-deployment-view.ts';

/** Describes up to 20 service deployments by ARN; unknown ones are failures with reason MISSING. */
export async function describeServiceDeployments(
  ctx: OperationContext,
  input: Wire<DescribeServiceDeploymentsRequest>,
): Promise<Wire<DescribeServiceDeploymentsResponse>> {
  const arns = input.serviceDeploymentArns ?? [];
  if (arns.length === 0 || arns.length > 20) {
    throw ecsError('InvalidParameterException', 'serviceDeploymentArns must have between 1 and 20 items.');
  }
  const db = ctx.deps.store.db;
  const out: Wire<DescribeServiceDeploymentsResponse> = { serviceDeployments: [], failures: [] };
  for (const arn of arns) {
    const [cluster, service] = ecsArnResource(ctx.scope, arn, 'service-deployment')?.split('/') ?? [];
    const svc = cluster && service ? await getService(db, ctx.scope, cluster, service) : undefined;
    const all = svc
      ? await deploymentsOf(db, ctx.scope, svc.cluster, svc.name, { includeInactive: true })
      : [];
    const d = all.find((x) => deploymentArnOf(x) === arn);
    if (!svc || !d) {
      out.failures!.push({ arn, reason: 'MISSING' });
      continue;
    }
    const tasks = await taskKeysOfService(db, ctx.scope, svc.cluster, svc.name);
    out.serviceDeployments!.push(serviceDeploymentView(svc, d, all, tasks));
  }
  return out;
}
