import { errorFactory } from '../service-error.ts';

/** The STS error codes neargate answers: its front door's own (GetCallerIdentity has no modelled errors). */
export const StsErrors = {
  ValidationError: { status: 400, fault: 'client' },
  InternalFailure: { status: 500, fault: 'server' },
} as const;

export const stsError = errorFactory(StsErrors);
