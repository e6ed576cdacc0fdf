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

/** What Query services (ELBv2, STS, CloudWatch's Query side) answer from their front door. */
export const QueryProtocolErrors = {
  InvalidAction: { status: 400, fault: 'client' },
  MissingAction: { status: 400, fault: 'client' },
  InvalidQueryParameter: { status: 400, fault: 'client' },
  SignatureDoesNotMatch: { status: 403, fault: 'client' },
  IncompleteSignature: { status: 400, fault: 'client' },
  MissingAuthenticationToken: { status: 403, fault: 'client' },
  InvalidClientTokenId: { status: 403, fault: 'client' },
  ExpiredToken: { status: 403, fault: 'client' },
  AccessDenied: { status: 403, fault: 'client' },
  RequestEntityTooLarge: { status: 413, fault: 'client' },
  InternalFailure: { status: 500, fault: 'server' },
} as const;

export const queryProtocolError = errorFactory(QueryProtocolErrors);

/** The Query code of each front-door error the gateway raises in its JSON words. */
export const QUERY_CODE_OF: Readonly<Record<keyof typeof ProtocolErrors, keyof typeof QueryProtocolErrors>> =
  {
    SerializationException: 'InvalidQueryParameter',
    UnknownOperationException: 'InvalidAction',
    InvalidSignatureException: 'SignatureDoesNotMatch',
    IncompleteSignatureException: 'IncompleteSignature',
    MissingAuthenticationTokenException: 'MissingAuthenticationToken',
    UnrecognizedClientException: 'InvalidClientTokenId',
    ExpiredTokenException: 'ExpiredToken',
    AccessDeniedException: 'AccessDenied',
    RequestEntityTooLargeException: 'RequestEntityTooLarge',
    InternalFailure: 'InternalFailure',
  };
