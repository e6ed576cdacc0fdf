import { secretsError } from '../../core/secrets/secrets-errors.ts';
import type { ValueCipher } from '../../store/value-cipher.ts';
import { type CipherOperation, withCipher } from '../cipher-context.ts';
import type { ApiService } from '../protocol/api-service.ts';
import { coralValidationMessage } from '../protocol/coral-validation.ts';
import { InputValidator } from '../protocol/input-validator.ts';
import { loadServiceModel } from '../protocol/service-model.ts';
import { createSecret } from './create-secret.ts';
import { deleteSecret } from './delete-secret.ts';
import { describeSecret } from './describe-secret.ts';
import { getSecretValue } from './get-secret-value.ts';
import { listSecretVersionIds } from './list-secret-version-ids.ts';
import { listSecrets } from './list-secrets.ts';
import { putSecretValue } from './put-secret-value.ts';
import { restoreSecret } from './restore-secret.ts';
import { tagResource } from './tag-resource.ts';
import { untagResource } from './untag-resource.ts';
import { updateSecret } from './update-secret.ts';
import { updateSecretVersionStage } from './update-secret-version-stage.ts';

/** The Secrets Manager operations neargate implements; the rest of the model answers UnknownOperationException. */
export const SECRETS_MANAGER_OPERATIONS: Readonly<Record<string, CipherOperation>> = {
  CreateSecret: createSecret,
  DeleteSecret: deleteSecret,
  DescribeSecret: describeSecret,
  GetSecretValue: getSecretValue,
  ListSecretVersionIds: listSecretVersionIds,
  ListSecrets: listSecrets,
  PutSecretValue: putSecretValue,
  RestoreSecret: restoreSecret,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateSecret: updateSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
};

/** AWS Secrets Manager (awsJson 1.1, `X-Amz-Target: secretsmanager.<Op>`), values encrypted by `cipher`. */
export function secretsManagerService(opts: { cipher: ValueCipher }): ApiService {
  const model = loadServiceModel('secretsmanager');
  return {
    protocol: 'awsJson1_1',
    targetPrefix: model.metadata.targetPrefix!,
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix,
    validator: new InputValidator(model),
    operations: withCipher(SECRETS_MANAGER_OPERATIONS, opts.cipher),
    // Coral's words, without the value when the model marks the member sensitive (SecretString).
    inputError: (_op, problem) => secretsError('ValidationException', coralValidationMessage(problem)),
    serverError: () => secretsError('InternalServiceError', 'An error occurred on the server side.'),
  };
}
