import { errorFactory } from '../service-error.ts';

/** The error codes of Amazon ECR that neargate answers, from its service model. */
export const EcrErrors = {
  ImageAlreadyExistsException: { status: 400, fault: 'client' },
  ImageDigestDoesNotMatchException: { status: 400, fault: 'client' },
  ImageNotFoundException: { status: 400, fault: 'client' },
  ImageTagAlreadyExistsException: { status: 400, fault: 'client' },
  InvalidParameterException: { status: 400, fault: 'client' },
  InvalidTagParameterException: { status: 400, fault: 'client' },
  LayersNotFoundException: { status: 400, fault: 'client' },
  LifecyclePolicyNotFoundException: { status: 400, fault: 'client' },
  LimitExceededException: { status: 400, fault: 'client' },
  ReferencedImagesNotFoundException: { status: 400, fault: 'client' },
  RepositoryAlreadyExistsException: { status: 400, fault: 'client' },
  RepositoryNotEmptyException: { status: 400, fault: 'client' },
  RepositoryNotFoundException: { status: 400, fault: 'client' },
  ServerException: { status: 500, fault: 'server' },
  TooManyTagsException: { status: 400, fault: 'client' },
  UnsupportedImageTypeException: { status: 400, fault: 'client' },
  ValidationException: { status: 400, fault: 'client' },
} as const;

export type EcrErrorCode = keyof typeof EcrErrors;

export const ecrError = errorFactory(EcrErrors);

/** ECR's words for a repository that is not there. */
export const repositoryNotFound = (name: string, registryId: string) =>
  ecrError(
    'RepositoryNotFoundException',
    `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
  );
