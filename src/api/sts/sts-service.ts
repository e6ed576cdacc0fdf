import { stsError } from '../../core/sts/sts-errors.ts';
import type { Operation } from '../operation.ts';
import type { ApiService } from '../protocol/api-service.ts';
import { coralValidationMessage } from '../protocol/coral-validation.ts';
import { InputValidator } from '../protocol/input-validator.ts';
import { loadServiceModel } from '../protocol/service-model.ts';
import { getCallerIdentity } from './get-caller-identity.ts';

/** The STS operations neargate implements; the rest of the model answers InvalidAction. */
export const STS_OPERATIONS: Readonly<Record<string, Operation>> = {
  GetCallerIdentity: getCallerIdentity,
};

/** AWS STS (awsQuery, signed for `sts`): who a key belongs to, which the CLI and Terraform ask first. */
export function stsService(): ApiService {
  const model = loadServiceModel('sts');
  return {
    protocol: 'awsQuery',
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix,
    validator: new InputValidator(model),
    operations: STS_OPERATIONS,
    inputError: (_op, problem) => stsError('ValidationError', coralValidationMessage(problem)),
    serverError: () =>
      stsError(
        'InternalFailure',
        'The request processing has failed because of an unknown error, exception or failure.',
      ),
  };
}
