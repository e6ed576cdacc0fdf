import type { LoadBalancer } from '@aws-sdk/client-ecs';
import type { Kysely } from 'kysely';
import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { TaskLoadBalancer } from '../../core/ecs/task.ts';
import type { TaskDefinition } from '../../core/ecs/task-definition.ts';
import { parseElbArn } from '../../core/elbv2/elbv2-arn.ts';
import type { Scope } from '../../core/scope.ts';
import type { Wire } from '../../core/wire.ts';
import type { Database } from '../../store/schema.ts';
import { getTargetGroup, loadBalancersOfTargetGroups } from '../../store/target-groups.ts';

/** ECS's quota of target groups per service. */
export const MAX_SERVICE_LOAD_BALANCERS = 5;

const invalid = (message: string) => ecsError('InvalidParameterException', message);

/**
 * A service's loadBalancers checked as ECS checks them, in its words: at most 5, each an
 * existing `ip` target group that a load balancer forwards to, with a container of the task
 * definition and one of its container ports. Classic Load Balancers (loadBalancerName) are refused.
 */
export async function checkServiceLoadBalancers(
  db: Kysely<Database>,
  scope: Scope,
  td: TaskDefinition,
  given: readonly Wire<LoadBalancer>[] | undefined,
): Promise<TaskLoadBalancer[]> {
  const items = given ?? [];
  if (items.length > MAX_SERVICE_LOAD_BALANCERS)
    throw invalid(`load balancers can have at most ${MAX_SERVICE_LOAD_BALANCERS} items.`);
  const out: TaskLoadBalancer[] = [];
  for (const lb of items) {
    if (lb.loadBalancerName !== undefined && lb.targetGroupArn === undefined)
      throw invalid(
        'neargate has no Classic Load Balancers: name the targetGroupArn of an Application or Network Load Balancer.',
      );
    if (!lb.containerName) throw invalid('Container Name can not be blank.');
    if (lb.containerPort === undefined) throw invalid('Container Port can not be blank.');
    const container = (td.containerDefinitions ?? []).find((c) => c.name === lb.containerName);
    if (!container) throw invalid(`The container ${lb.containerName} does not exist in the task definition.`);
    if (!(container.portMappings ?? []).some((m) => m.containerPort === lb.containerPort))
      throw invalid(
        `The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`,
      );
    const arn = lb.targetGroupArn ?? '';
    const parsed = parseElbArn(arn);
    const tg =
      parsed?.kind === 'targetgroup' &&
      parsed.scope.account === scope.account &&
      parsed.scope.region === scope.region
        ? await getTargetGroup(db, arn)
        : undefined;
    // What ECS answers when it cannot describe the group (a wrong ARN, or none of that name).
    if (!tg)
      throw invalid(
        'Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.',
      );
    if (tg.targetType !== 'ip')
      throw invalid(
        `The provided target group ${arn} has target type ${tg.targetType}, which is incompatible with the awsvpc network mode specified in the task definition.`,
      );
    if (((await loadBalancersOfTargetGroups(db, [arn])).get(arn) ?? []).length === 0)
      throw invalid(`The target group with targetGroupArn ${arn} does not have an associated load balancer.`);
    out.push({ targetGroupArn: arn, containerName: lb.containerName, containerPort: lb.containerPort });
  }
  return out;
}
