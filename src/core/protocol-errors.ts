import { errorFactory } from './service-error.ts';

/** Errors every AWS service answers from its front door, before an operation runs. */
export const ProtocolErrors = {
  SerializationException: { status: 400, fault: 'client' },
  UnknownOperationException: { status: 400, fault: 'client' },
  // Coral's JSON front door answers authentication failures with 400, not 403.
  InvalidSignatureException: { status: 400, fault: 'client' },
  IncompleteSignatureException: { status: 400, fault: 'client' },
  MissingAuthenticationTokenException: { status: 400, fault: 'client' },
  UnrecognizedClientException: { status: 400, fault: 'client' },
  ExpiredTokenException: { status: 400, fault: 'client' },
  AccessDeniedException: { status: 400, fault: 'client' },
  RequestEntityTooLargeException: { status: 413, fault: 'client' },
  InternalFailure: { status: 500, fault: 'server' },
} as const;

export const protocolError = errorFactory(ProtocolErrors);
