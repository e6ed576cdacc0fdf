import { logsError } from '../../core/logs/logs-errors.ts';
import type { Operation } from '../operation.ts';
import type { ApiService } from '../protocol/api-service.ts';
import { coralValidationMessage } from '../protocol/coral-validation.ts';
import { InputValidator } from '../protocol/input-validator.ts';
import { loadServiceModel } from '../protocol/service-model.ts';
import { createLogGroup } from './create-log-group.ts';
import { createLogStream } from './create-log-stream.ts';
import { deleteLogGroup } from './delete-log-group.ts';
import { deleteLogStream } from './delete-log-stream.ts';
import { deleteRetentionPolicy } from './delete-retention-policy.ts';
import { describeLogGroups } from './describe-log-groups.ts';
import { describeLogStreams } from './describe-log-streams.ts';
import { filterLogEvents } from './filter-log-events.ts';
import { getLogEvents } from './get-log-events.ts';
import { listTagsForResource } from './list-tags-for-resource.ts';
import { listTagsLogGroup } from './list-tags-log-group.ts';
import { putLogEvents } from './put-log-events.ts';
import { putRetentionPolicy } from './put-retention-policy.ts';
import { tagLogGroup } from './tag-log-group.ts';
import { tagResource } from './tag-resource.ts';
import { untagLogGroup } from './untag-log-group.ts';
import { untagResource } from './untag-resource.ts';

/** The CloudWatch Logs operations neargate implements; the rest of the model answers UnknownOperationException. */
export const LOGS_OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateLogGroup: createLogGroup,
  CreateLogStream: createLogStream,
  DeleteLogGroup: deleteLogGroup,
  DeleteLogStream: deleteLogStream,
  DeleteRetentionPolicy: deleteRetentionPolicy,
  DescribeLogGroups: describeLogGroups,
  DescribeLogStreams: describeLogStreams,
  FilterLogEvents: filterLogEvents,
  GetLogEvents: getLogEvents,
  ListTagsForResource: listTagsForResource,
  ListTagsLogGroup: listTagsLogGroup,
  PutLogEvents: putLogEvents,
  PutRetentionPolicy: putRetentionPolicy,
  TagLogGroup: tagLogGroup,
  TagResource: tagResource,
  UntagLogGroup: untagLogGroup,
  UntagResource: untagResource,
};

/** Amazon CloudWatch Logs (awsJson 1.1, `X-Amz-Target: Logs_20140328.<Op>`). */
export function logsService(): ApiService {
  const model = loadServiceModel('logs');
  return {
    protocol: 'awsJson1_1',
    targetPrefix: model.metadata.targetPrefix!,
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix,
    validator: new InputValidator(model),
    operations: LOGS_OPERATIONS,
    // CloudWatch Logs answers Coral's validation message as an InvalidParameterException.
    inputError: (_op, problem) => logsError('InvalidParameterException', coralValidationMessage(problem)),
    serverError: () => logsError('ServiceUnavailableException', 'The service cannot complete the request.'),
  };
}
