import { errorFactory } from '../service-error.ts';

/** The error codes of the Parameter Store part of AWS Systems Manager, and Coral's own. */
export const SsmErrors = {
  AccessDeniedException: { status: 400, fault: 'client' },
  HierarchyLevelLimitExceededException: { status: 400, fault: 'client' },
  HierarchyTypeMismatchException: { status: 400, fault: 'client' },
  IncompatiblePolicyException: { status: 400, fault: 'client' },
  InternalServerError: { status: 500, fault: 'server' },
  InvalidAllowedPatternException: { status: 400, fault: 'client' },
  InvalidFilterKey: { status: 400, fault: 'client' },
  InvalidFilterOption: { status: 400, fault: 'client' },
  InvalidFilterValue: { status: 400, fault: 'client' },
  InvalidKeyId: { status: 400, fault: 'client' },
  InvalidNextToken: { status: 400, fault: 'client' },
  InvalidPolicyAttributeException: { status: 400, fault: 'client' },
  InvalidPolicyTypeException: { status: 400, fault: 'client' },
  InvalidResourceId: { status: 400, fault: 'client' },
  InvalidResourceType: { status: 400, fault: 'client' },
  ParameterAlreadyExists: { status: 400, fault: 'client' },
  ParameterLimitExceeded: { status: 400, fault: 'client' },
  ParameterMaxVersionLimitExceeded: { status: 400, fault: 'client' },
  ParameterNotFound: { status: 400, fault: 'client' },
  ParameterPatternMismatchException: { status: 400, fault: 'client' },
  ParameterVersionNotFound: { status: 400, fault: 'client' },
  PoliciesLimitExceededException: { status: 400, fault: 'client' },
  TooManyTagsError: { status: 400, fault: 'client' },
  TooManyUpdates: { status: 400, fault: 'client' },
  UnsupportedParameterType: { status: 400, fault: 'client' },
  ValidationException: { status: 400, fault: 'client' },
} as const;

export type SsmErrorCode = keyof typeof SsmErrors;

export const ssmError = errorFactory(SsmErrors);

/** AWS answers a missing parameter with the bare code, no message. */
export const parameterNotFound = () => ssmError('ParameterNotFound', '');
