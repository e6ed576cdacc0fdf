import { parseArn } from '../../core/arn.ts';
import type { OperationContext } from '../operation.ts';

/** STS's GetCallerIdentity output, as the model names its members. */
export interface CallerIdentity {
  UserId: string;
  Account: string;
  Arn: string;
}

/**
 * Who is calling. An account's root user has the account id as its user id, as on AWS; any
 * other principal (neargate has no IAM yet) is identified by the last part of its ARN.
 */
export async function getCallerIdentity(ctx: OperationContext): Promise<CallerIdentity> {
  const arn = parseArn(ctx.principalArn);
  const root = arn?.resource === 'root';
  return {
    UserId: root ? ctx.scope.account : (ctx.principalArn.split('/').pop() ?? ctx.principalArn),
    Account: ctx.scope.account,
    Arn: ctx.principalArn,
  };
}
