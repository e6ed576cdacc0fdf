import { errorFactory } from '../service-error.ts';

/** The error codes of Amazon ECS, from its service model. */
export const EcsErrors = {
  AccessDeniedException: { status: 400, fault: 'client' },
  ClientException: { status: 400, fault: 'client' },
  ClusterContainsCapacityProviderException: { status: 400, fault: 'client' },
  ClusterContainsContainerInstancesException: { status: 400, fault: 'client' },
  ClusterContainsServicesException: { status: 400, fault: 'client' },
  ClusterContainsTasksException: { status: 400, fault: 'client' },
  ClusterNotFoundException: { status: 400, fault: 'client' },
  ConflictException: { status: 400, fault: 'client' },
  InvalidParameterException: { status: 400, fault: 'client' },
  LimitExceededException: { status: 400, fault: 'client' },
  PlatformTaskDefinitionIncompatibilityException: { status: 400, fault: 'client' },
  PlatformUnknownException: { status: 400, fault: 'client' },
  ResourceInUseException: { status: 400, fault: 'client' },
  ResourceNotFoundException: { status: 400, fault: 'client' },
  ServerException: { status: 500, fault: 'server' },
  ServiceNotActiveException: { status: 400, fault: 'client' },
  ServiceNotFoundException: { status: 400, fault: 'client' },
  TargetNotFoundException: { status: 400, fault: 'client' },
  UnsupportedFeatureException: { status: 400, fault: 'client' },
  UpdateInProgressException: { status: 400, fault: 'client' },
} as const;

export type EcsErrorCode = keyof typeof EcsErrors;

export const ecsError = errorFactory(EcsErrors);
