import { formatArn, parseArn } from '../arn.ts';
import type { Scope } from '../scope.ts';

/** ECR's repository name grammar (its model's pattern). */
export const REPOSITORY_NAME =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/** The distribution spec's tag grammar. */
export const TAG = /^[\w][\w.-]{0,127}$/;

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/** The registry host of an account and region, as ECR names it. */
export const registryHost = (scope: Scope) => `${scope.account}.dkr.ecr.${scope.region}.amazonaws.com`;

/** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: where docker pulls the repository from. */
export const repositoryUri = (scope: Scope, name: string) => `${registryHost(scope)}/${name}`;

export const repositoryArn = (scope: Scope, name: string) =>
  formatArn({
    partition: 'aws',
    service: 'ecr',
    region: scope.region,
    account: scope.account,
    resource: `repository/${name}`,
  });

/** The scope an ECR host name (with an optional port) names, or undefined for any other host. */
export function scopeOfRegistryHost(host: string): Scope | undefined {
  const m = ECR_HOST.exec(host.replace(/:\d+$/, '').toLowerCase());
  return m ? { account: m[1]!, region: m[2]! } : undefined;
}

/** The repository an ECR repository ARN of this scope names, or undefined. */
export function repositoryOfArn(scope: Scope, arn: string): string | undefined {
  const a = parseArn(arn);
  if (a?.service !== 'ecr' || a.account !== scope.account || a.region !== scope.region) return undefined;
  if (!a.resource.startsWith('repository/')) return undefined;
  const name = a.resource.slice('repository/'.length);
  return REPOSITORY_NAME.test(name) ? name : undefined;
}
