import { ecrError } from '../../core/ecr/ecr-errors.ts';
import type { Operation } from '../operation.ts';
import type { ApiService } from '../protocol/api-service.ts';
import { type InputProblem, InputValidator } from '../protocol/input-validator.ts';
import { loadServiceModel } from '../protocol/service-model.ts';
import { batchCheckLayerAvailability } from './batch-check-layer-availability.ts';
import { batchDeleteImage } from './batch-delete-image.ts';
import { batchGetImage } from './batch-get-image.ts';
import { createRepository } from './create-repository.ts';
import { deleteRepository } from './delete-repository.ts';
import { describeImages } from './describe-images.ts';
import { describeRepositories } from './describe-repositories.ts';
import type { EcrDeps } from './ecr-deps.ts';
import { getAuthorizationToken } from './get-authorization-token.ts';
import { noLifecyclePolicy, putLifecyclePolicy } from './lifecycle-policy.ts';
import { listImages } from './list-images.ts';
import { putImage } from './put-image.ts';
import { putImageTagMutability } from './put-image-tag-mutability.ts';
import { listTagsForResource, tagResource, untagResource } from './resource-tags.ts';

/** The ECR operations neargate implements; the rest of the model answers UnknownOperationException. */
export function ecrOperations(deps: EcrDeps): Readonly<Record<string, Operation>> {
  return {
    BatchCheckLayerAvailability: batchCheckLayerAvailability(deps),
    BatchDeleteImage: batchDeleteImage(deps),
    BatchGetImage: batchGetImage(deps),
    CreateRepository: createRepository,
    DeleteLifecyclePolicy: noLifecyclePolicy,
    DeleteRepository: deleteRepository(deps),
    DescribeImages: describeImages,
    DescribeRepositories: describeRepositories,
    GetAuthorizationToken: getAuthorizationToken(deps),
    GetLifecyclePolicy: noLifecyclePolicy,
    GetLifecyclePolicyPreview: noLifecyclePolicy,
    ListImages: listImages,
    ListTagsForResource: listTagsForResource,
    PutImage: putImage(deps),
    PutImageTagMutability: putImageTagMutability,
    PutLifecyclePolicy: putLifecyclePolicy,
    StartLifecyclePolicyPreview: putLifecyclePolicy,
    TagResource: tagResource,
    UntagResource: untagResource,
  };
}

/** ECR words a broken model constraint as `Invalid parameter at '<member>' failed to satisfy constraint: '...'`. */
function inputError(_operation: string, p: InputProblem) {
  const why = p.kind === 'required' ? 'Member must not be null' : p.message;
  return ecrError(
    'InvalidParameterException',
    `Invalid parameter at '${p.path}' failed to satisfy constraint: '${why}'`,
  );
}

export function ecrService(deps: EcrDeps): ApiService {
  const model = loadServiceModel('ecr');
  return {
    protocol: 'awsJson1_1',
    targetPrefix: model.metadata.targetPrefix!,
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix,
    validator: new InputValidator(model),
    operations: ecrOperations(deps),
    inputError,
    serverError: () => ecrError('ServerException', 'Service Unavailable. Please try again later.'),
  };
}
