import { formatArn, parseArn } from '../arn.ts';
import type { Scope } from '../scope.ts';

/** ECS resource ARNs in the long format ECS uses today. */
export function ecsArn(scope: Scope, resource: string): string {
  return formatArn({
    partition: 'aws',
    service: 'ecs',
    region: scope.region,
    account: scope.account,
    resource,
  });
}

export const clusterArn = (scope: Scope, name: string) => ecsArn(scope, `cluster/${name}`);
export const taskDefinitionArn = (scope: Scope, family: string, revision: number) =>
  ecsArn(scope, `task-definition/${family}:${revision}`);
export const capacityProviderArn = (scope: Scope, name: string) => ecsArn(scope, `capacity-provider/${name}`);
export const taskArn = (scope: Scope, cluster: string, id: string) => ecsArn(scope, `task/${cluster}/${id}`);
export const containerArn = (scope: Scope, cluster: string, taskId: string, id: string) =>
  ecsArn(scope, `container/${cluster}/${taskId}/${id}`);
export const serviceArn = (scope: Scope, cluster: string, name: string) =>
  ecsArn(scope, `service/${cluster}/${name}`);
export const serviceDeploymentArn = (scope: Scope, cluster: string, service: string, id: string) =>
  ecsArn(scope, `service-deployment/${cluster}/${service}/${id}`);
export const serviceRevisionArn = (scope: Scope, cluster: string, service: string, id: string) =>
  ecsArn(scope, `service-revision/${cluster}/${service}/${id}`);

/**
 * The resource part of an ECS ARN of `type` in this scope, e.g. `default` for
 * `arn:aws:ecs:r:a:cluster/default`, or undefined when `text` is not such an ARN.
 */
export function ecsArnResource(scope: Scope, text: string, type: string): string | undefined {
  const arn = parseArn(text);
  if (arn?.service !== 'ecs' || arn.region !== scope.region || arn.account !== scope.account) {
    return undefined;
  }
  const prefix = `${type}/`;
  return arn.resource.startsWith(prefix) ? arn.resource.slice(prefix.length) : undefined;
}

/** A cluster name from a name or an ARN; an ARN of another scope gives a name no cluster has. */
export function clusterNameOf(scope: Scope, ref: string | undefined): string {
  if (ref === undefined || ref === '') return 'default';
  if (!ref.startsWith('arn:')) return ref;
  return ecsArnResource(scope, ref, 'cluster') ?? ref;
}
