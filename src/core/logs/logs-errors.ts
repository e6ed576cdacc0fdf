import { errorFactory } from '../service-error.ts';

/** The error codes of Amazon CloudWatch Logs: its model's exceptions. */
export const LogsErrors = {
  DataAlreadyAcceptedException: { status: 400, fault: 'client' },
  InvalidOperationException: { status: 400, fault: 'client' },
  InvalidParameterException: { status: 400, fault: 'client' },
  InvalidSequenceTokenException: { status: 400, fault: 'client' },
  LimitExceededException: { status: 400, fault: 'client' },
  OperationAbortedException: { status: 400, fault: 'client' },
  ResourceAlreadyExistsException: { status: 400, fault: 'client' },
  ResourceNotFoundException: { status: 400, fault: 'client' },
  ServiceUnavailableException: { status: 500, fault: 'server' },
  TooManyTagsException: { status: 400, fault: 'client' },
  ValidationException: { status: 400, fault: 'client' },
} as const;

export type LogsErrorCode = keyof typeof LogsErrors;

export const logsError = errorFactory(LogsErrors);

/** AWS's words for the errors several operations share (docs/logs-error-messages.md says where each is from). */
export const LogsMessages = {
  groupNotFound: 'The specified log group does not exist.',
  streamNotFound: 'The specified log stream does not exist.',
  groupExists: 'The specified log group already exists',
  streamExists: 'The specified log stream already exists',
  invalidToken: 'The specified nextToken is invalid.',
  groupNameAndIdentifier: 'LogGroup name and LogGroup ARN are mutually exclusive parameters.',
  groupNameOrIdentifier: 'Should provide either name or ARN of the log group.',
} as const;

export const groupNotFound = () => logsError('ResourceNotFoundException', LogsMessages.groupNotFound);
export const streamNotFound = () => logsError('ResourceNotFoundException', LogsMessages.streamNotFound);
export const invalidToken = () => logsError('InvalidParameterException', LogsMessages.invalidToken);
