import { ssmError } from '../../core/ssm/ssm-errors.ts';
import type { ValueCipher } from '../../store/value-cipher.ts';
import { type CipherOperation, withCipher } from '../cipher-context.ts';
import type { ApiService } from '../protocol/api-service.ts';
import { coralValidationMessage } from '../protocol/coral-validation.ts';
import { InputValidator } from '../protocol/input-validator.ts';
import { loadServiceModel } from '../protocol/service-model.ts';
import { addTagsToResource } from './add-tags-to-resource.ts';
import { deleteParameter } from './delete-parameter.ts';
import { deleteParameters } from './delete-parameters.ts';
import { describeParameters } from './describe-parameters.ts';
import { getParameter } from './get-parameter.ts';
import { getParameterHistory } from './get-parameter-history.ts';
import { getParameters } from './get-parameters.ts';
import { getParametersByPath } from './get-parameters-by-path.ts';
import { listTagsForResource } from './list-tags-for-resource.ts';
import { putParameter } from './put-parameter.ts';
import { removeTagsFromResource } from './remove-tags-from-resource.ts';

/** The Parameter Store part of SSM; the rest of the model answers UnknownOperationException. */
export const SSM_OPERATIONS: Readonly<Record<string, CipherOperation>> = {
  AddTagsToResource: addTagsToResource,
  DeleteParameter: deleteParameter,
  DeleteParameters: deleteParameters,
  DescribeParameters: describeParameters,
  GetParameter: getParameter,
  GetParameterHistory: getParameterHistory,
  GetParameters: getParameters,
  GetParametersByPath: getParametersByPath,
  ListTagsForResource: listTagsForResource,
  PutParameter: putParameter,
  RemoveTagsFromResource: removeTagsFromResource,
};

/** AWS Systems Manager's Parameter Store (awsJson 1.1, `X-Amz-Target: AmazonSSM.<Op>`), values encrypted by `cipher`. */
export function ssmService(opts: { cipher: ValueCipher }): ApiService {
  const model = loadServiceModel('ssm');
  return {
    protocol: 'awsJson1_1',
    targetPrefix: model.metadata.targetPrefix!,
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix,
    validator: new InputValidator(model),
    operations: withCipher(SSM_OPERATIONS, opts.cipher),
    // Coral's words, without the value when the model marks the member sensitive (Value).
    inputError: (_op, problem) => ssmError('ValidationException', coralValidationMessage(problem)),
    serverError: () => ssmError('InternalServerError', 'An error occurred on the server side.'),
  };
}
