import type {
  DescribeCapacityProvidersRequest,
  DescribeCapacityProvidersResponse,
} from '@aws-sdk/client-ecs';
import { FARGATE_PROVIDERS } from '../../core/ecs/capacity-provider-strategy.ts';
import { capacityProviderArn, ecsArnResource } from '../../core/ecs/ecs-arn.ts';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { ecsPage } from './paging.ts';

/** Describes FARGATE and FARGATE_SPOT, the capacity providers every account has. */
export async function describeCapacityProviders(
  ctx: OperationContext,
  input: Wire<DescribeCapacityProvidersRequest>,
): Promise<Wire<DescribeCapacityProvidersResponse>> {
  const { limit, after } = ecsPage(input, isString, 10);
  const view = (name: string) => ({
    capacityProviderArn: capacityProviderArn(ctx.scope, name),
    name,
    status: 'ACTIVE' as const,
    type: name as 'FARGATE' | 'FARGATE_SPOT',
    ...(input.include?.includes('TAGS') && { tags: [] }),
  });
  if (input.capacityProviders) {
    const out: Wire<DescribeCapacityProvidersResponse> = { capacityProviders: [], failures: [] };
    for (const ref of input.capacityProviders) {
      const name = ref.startsWith('arn:') ? (ecsArnResource(ctx.scope, ref, 'capacity-provider') ?? '') : ref;
      if ((FARGATE_PROVIDERS as readonly string[]).includes(name)) out.capacityProviders!.push(view(name));
      else out.failures!.push({ arn: ref, reason: 'MISSING' });
    }
    return out;
  }
  const names = FARGATE_PROVIDERS.filter((n) => after === undefined || n > after);
  const shown = names.slice(0, limit);
  return {
    capacityProviders: shown.map(view),
    failures: [],
    ...(names.length > limit && { nextToken: encodeToken(shown.at(-1)) }),
  };
}
