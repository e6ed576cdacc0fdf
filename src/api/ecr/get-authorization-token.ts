import type { GetAuthorizationTokenRequest, GetAuthorizationTokenResponse } from '@aws-sdk/client-ecr';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import type { EcrDeps } from './ecr-deps.ts';

/**
 * A password for `docker login -u AWS` (base64 of `AWS:<password>`, as ECR gives it), valid
 * for 12 hours at the registry of the caller's account and region. `proxyEndpoint` is where
 * that registry is reached from this host.
 */
export function getAuthorizationToken(deps: EcrDeps) {
  return async (
    ctx: OperationContext,
    _input: Wire<GetAuthorizationTokenRequest>,
  ): Promise<Wire<GetAuthorizationTokenResponse>> => {
    const { password, expiresAt } = await deps.tokens.issue(ctx.scope);
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          expiresAt: epochSeconds(expiresAt),
          proxyEndpoint: deps.proxyEndpoint(),
        },
      ],
    };
  };
}
