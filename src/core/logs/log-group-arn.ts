import { parseArn } from '../arn.ts';
import type { Scope } from '../scope.ts';

/** `arn:aws:logs:<region>:<account>:log-group:<name>`, as TagResource and `logGroupArn` name a group. */
export const logGroupArn = (scope: Scope, name: string): string =>
  `arn:aws:logs:${scope.region}:${scope.account}:log-group:${name}`;

/** The group's ARN as DescribeLogGroups' `arn` reports it: with `:*`, the form IAM policies use. */
export const logGroupArnWildcard = (scope: Scope, name: string): string => `${logGroupArn(scope, name)}:*`;

export const logStreamArn = (scope: Scope, group: string, stream: string): string =>
  `${logGroupArn(scope, group)}:log-stream:${stream}`;

/** The group a log group ARN names (with or without the trailing `:*`), or undefined when it names none. */
export function parseLogGroupArn(arn: string): { scope: Scope; name: string } | undefined {
  const a = parseArn(arn);
  if (a?.service !== 'logs' || !a.resource.startsWith('log-group:')) return undefined;
  let name = a.resource.slice('log-group:'.length);
  if (name.endsWith(':*')) name = name.slice(0, -2);
  if (!name || name.includes(':')) return undefined;
  return { scope: { account: a.account, region: a.region }, name };
}

/**
 * The group a `logGroupIdentifier` names: a name, or an ARN (of the caller's account, since
 * neargate has no cross-account observability).
 */
export function groupOfIdentifier(identifier: string): { name: string; scope?: Scope } {
  if (!identifier.startsWith('arn:')) return { name: identifier };
  const parsed = parseLogGroupArn(identifier);
  return parsed ?? { name: identifier };
}
