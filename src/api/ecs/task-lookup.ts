import { clusterNameOf, ecsArnResource, taskArn } from '../../core/ecs/ecs-arn.ts';
import type { Scope } from '../../core/scope.ts';

/**
 * The task id a reference names (a 32-hex id or a task ARN), with the ARN to report it by, or
 * undefined when it cannot be a task of `cluster`.
 */
export function parseTaskRef(
  scope: Scope,
  clusterRef: string | undefined,
  ref: string,
): { id: string; arn: string } | undefined {
  const cluster = clusterNameOf(scope, clusterRef);
  if (!ref.startsWith('arn:')) {
    return /^[0-9a-f]{32}$/.test(ref) ? { id: ref, arn: taskArn(scope, cluster, ref) } : undefined;
  }
  const resource = ecsArnResource(scope, ref, 'task');
  if (!resource) return undefined;
  const [taskCluster, id, extra] = resource.split('/');
  if (extra !== undefined || !id || taskCluster !== cluster) return undefined;
  return { id, arn: ref };
}
