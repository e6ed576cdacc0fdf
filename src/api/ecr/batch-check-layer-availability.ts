import type {
  BatchCheckLayerAvailabilityRequest,
  BatchCheckLayerAvailabilityResponse,
} from '@aws-sdk/client-ecr';
import { isDigest } from '../../agent/images/digest.ts';
import type { Wire } from '../../core/wire.ts';
import type { OperationContext } from '../operation.ts';
import { type EcrDeps, requireRepository } from './ecr-deps.ts';

export function batchCheckLayerAvailability(deps: EcrDeps) {
  return async (
    ctx: OperationContext,
    input: Wire<BatchCheckLayerAvailabilityRequest>,
  ): Promise<Wire<BatchCheckLayerAvailabilityResponse>> => {
    const name = input.repositoryName!;
    await requireRepository(ctx.deps.store.db, ctx.scope, name, input.registryId);
    const k = { scope: ctx.scope, repository: name };
    const layers = [];
    const failures = [];
    for (const digest of input.layerDigests ?? []) {
      if (!isDigest(digest)) {
        failures.push({
          layerDigest: digest,
          failureCode: 'InvalidLayerDigest' as const,
          failureReason: 'Invalid layer digest',
        });
        continue;
      }
      const size = await deps.registry.blobSize(k, digest);
      if (size === undefined) {
        failures.push({
          layerDigest: digest,
          failureCode: 'MissingLayerDigest' as const,
          failureReason: 'Missing layer digest',
        });
      } else layers.push({ layerDigest: digest, layerAvailability: 'AVAILABLE' as const, layerSize: size });
    }
    return { layers, failures };
  };
}
