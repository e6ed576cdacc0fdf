import type { Kysely } from 'kysely';
import { parseElbArn } from '../../core/elbv2/elbv2-arn.ts';
import { validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { Scope } from '../../core/scope.ts';
import type { Database } from '../../store/schema.ts';
import { requireListener, requireLoadBalancer, requireRule, requireTargetGroup } from './elbv2-lookup.ts';

/** ELB's limit on resources per tagging call. */
export const MAX_TAGGED_RESOURCES = 20;

/**
 * Checks that every resource a tagging call names exists: load balancers, target groups,
 * listeners and rules, each answered with its own not-found error.
 */
export async function requireTaggable(
  db: Kysely<Database>,
  scope: Scope,
  arns: readonly string[],
): Promise<void> {
  if (arns.length === 0) throw validationError('At least one resource ARN must be specified');
  if (arns.length > MAX_TAGGED_RESOURCES)
    throw validationError(`At most ${MAX_TAGGED_RESOURCES} resource ARNs can be specified`);
  for (const arn of arns) {
    switch (parseElbArn(arn)?.kind) {
      case 'loadbalancer':
        await requireLoadBalancer(db, scope, arn);
        break;
      case 'targetgroup':
        await requireTargetGroup(db, scope, arn);
        break;
      case 'listener':
        await requireListener(db, scope, arn);
        break;
      case 'listener-rule':
        await requireRule(db, scope, arn);
        break;
      default:
        throw validationError(`'${arn}' must be in ARN format`);
    }
  }
}
