import type { Ids } from '../ids.ts';
import type { LbType } from './elbv2-arn.ts';
import { validationError } from './elbv2-errors.ts';

const NAME = /^[A-Za-z0-9-]+$/;

/**
 * ELB's rules for load balancer names: up to 32 alphanumeric characters or hyphens, not
 * beginning or ending with a hyphen, not beginning with `internal-` (internal load balancers'
 * DNS names begin so).
 */
export function checkLoadBalancerName(name: string): void {
  if (name === '') throw validationError('Load balancer name cannot be empty');
  if (name.length > 32)
    throw validationError(`Load balancer name '${name}' cannot be longer than '32' characters`);
  if (!NAME.test(name))
    throw validationError(
      `Load balancer name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`,
    );
  if (name.startsWith('-') || name.endsWith('-'))
    throw validationError(`Load balancer name '${name}' cannot begin or end with '-'`);
  if (name.toLowerCase().startsWith('internal-'))
    throw validationError(`Load balancer name '${name}' cannot begin with 'internal-'`);
}

/** ELB's rules for target group names: the same characters and length as load balancers'. */
export function checkTargetGroupName(name: string): void {
  if (name === '') throw validationError('Target group name cannot be empty');
  if (name.length > 32)
    throw validationError(`Target group name '${name}' cannot be longer than '32' characters`);
  if (!NAME.test(name))
    throw validationError(
      `Target group name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`,
    );
  if (name.startsWith('-') || name.endsWith('-'))
    throw validationError(`Target group name '${name}' cannot begin or end with '-'`);
}

/**
 * A load balancer's DNS name as AWS forms it: Application Load Balancers
 * `<name>-<digits>.<region>.elb.amazonaws.com` (`internal-` first when internal), Network
 * Load Balancers `<name>-<16 hex>.elb.<region>.amazonaws.com`, the hex being the ARN's id.
 */
export function loadBalancerDnsName(
  lb: { type: LbType; scheme: 'internet-facing' | 'internal'; name: string; region: string; id: string },
  ids: Ids,
): string {
  if (lb.type === 'network') return `${lb.name}-${lb.id}.elb.${lb.region}.amazonaws.com`;
  const prefix = lb.scheme === 'internal' ? 'internal-' : '';
  // AWS's digits are a number of up to 10 digits, never starting with 0.
  const digits = `${'123456789'[Number.parseInt(ids.hex(1), 16) % 9]}${ids.chars(9, '0123456789')}`;
  return `${prefix}${lb.name}-${digits}.${lb.region}.elb.amazonaws.com`;
}
