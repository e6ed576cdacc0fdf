import { errorFactory } from '../service-error.ts';

/** The error codes of AWS Secrets Manager: its model's, and Coral's ValidationException. */
export const SecretsManagerErrors = {
  DecryptionFailure: { status: 400, fault: 'client' },
  EncryptionFailure: { status: 400, fault: 'client' },
  InternalServiceError: { status: 500, fault: 'server' },
  InvalidNextTokenException: { status: 400, fault: 'client' },
  InvalidParameterException: { status: 400, fault: 'client' },
  InvalidRequestException: { status: 400, fault: 'client' },
  LimitExceededException: { status: 400, fault: 'client' },
  MalformedPolicyDocumentException: { status: 400, fault: 'client' },
  PreconditionNotMetException: { status: 400, fault: 'client' },
  PublicPolicyException: { status: 400, fault: 'client' },
  ResourceExistsException: { status: 400, fault: 'client' },
  ResourceNotFoundException: { status: 400, fault: 'client' },
  ValidationException: { status: 400, fault: 'client' },
} as const;

export type SecretsManagerErrorCode = keyof typeof SecretsManagerErrors;

export const secretsError = errorFactory(SecretsManagerErrors);

/** AWS's words for the errors several operations share. */
export const SecretsMessages = {
  notFound: "Secrets Manager can't find the specified secret.",
  markedForDeletion: "You can't perform this operation on the secret because it was marked for deletion.",
  alreadyMarkedDeleted: "You tried to perform the operation on a secret that's currently marked deleted.",
  tokenRequired: 'You must provide a ClientRequestToken value. We recommend a UUID-type value.',
  bothValues: "You can't specify both a binary secret value and a string secret value in the same secret.",
  noValue: 'You must provide either SecretString or SecretBinary.',
  versionExists: "You can't modify an existing version, you can only create a new version.",
  invalidName:
    'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
} as const;

export const secretNotFound = () => secretsError('ResourceNotFoundException', SecretsMessages.notFound);
