import { ecsError } from '../../core/ecs/ecs-errors.ts';
import type { Operation } from '../operation.ts';
import type { ApiService } from '../protocol/api-service.ts';
import { type InputProblem, InputValidator } from '../protocol/input-validator.ts';
import { loadServiceModel } from '../protocol/service-model.ts';
import { createCluster } from './create-cluster.ts';
import { createService } from './create-service.ts';
import { deleteAccountSetting } from './delete-account-setting.ts';
import { deleteCluster } from './delete-cluster.ts';
import { deleteService } from './delete-service.ts';
import { deleteTaskDefinitions } from './delete-task-definitions.ts';
import { deregisterTaskDefinition } from './deregister-task-definition.ts';
import { describeCapacityProviders } from './describe-capacity-providers.ts';
import { describeClusters } from './describe-clusters.ts';
import { describeServiceDeployments } from './describe-service-deployments.ts';
import { describeServiceRevisions } from './describe-service-revisions.ts';
import { describeServices } from './describe-services.ts';
import { describeTaskDefinition } from './describe-task-definition.ts';
import { describeTasks } from './describe-tasks.ts';
import { listAccountSettings } from './list-account-settings.ts';
import { listClusters } from './list-clusters.ts';
import { listServiceDeployments } from './list-service-deployments.ts';
import { listServices } from './list-services.ts';
import { listTagsForResource } from './list-tags-for-resource.ts';
import { listTaskDefinitionFamilies } from './list-task-definition-families.ts';
import { listTaskDefinitions } from './list-task-definitions.ts';
import { listTasks } from './list-tasks.ts';
import { putAccountSetting } from './put-account-setting.ts';
import { putAccountSettingDefault } from './put-account-setting-default.ts';
import { putClusterCapacityProviders } from './put-cluster-capacity-providers.ts';
import { registerTaskDefinition } from './register-task-definition.ts';
import { runTask } from './run-task.ts';
import { startTask } from './start-task.ts';
import { stopTask } from './stop-task.ts';
import { tagResource } from './tag-resource.ts';
import { untagResource } from './untag-resource.ts';
import { updateCluster } from './update-cluster.ts';
import { updateClusterSettings } from './update-cluster-settings.ts';
import { updateService } from './update-service.ts';

/** The ECS operations neargate implements; the rest of the model answers UnknownOperationException. */
export const ECS_OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateCluster: createCluster,
  CreateService: createService,
  DeleteAccountSetting: deleteAccountSetting,
  DeleteCluster: deleteCluster,
  DeleteService: deleteService,
  DeleteTaskDefinitions: deleteTaskDefinitions,
  DeregisterTaskDefinition: deregisterTaskDefinition,
  DescribeCapacityProviders: describeCapacityProviders,
  DescribeClusters: describeClusters,
  DescribeServiceDeployments: describeServiceDeployments,
  DescribeServiceRevisions: describeServiceRevisions,
  DescribeServices: describeServices,
  DescribeTaskDefinition: describeTaskDefinition,
  DescribeTasks: describeTasks,
  ListAccountSettings: listAccountSettings,
  ListClusters: listClusters,
  ListServiceDeployments: listServiceDeployments,
  ListServices: listServices,
  ListTagsForResource: listTagsForResource,
  ListTaskDefinitionFamilies: listTaskDefinitionFamilies,
  ListTaskDefinitions: listTaskDefinitions,
  ListTasks: listTasks,
  PutAccountSetting: putAccountSetting,
  PutAccountSettingDefault: putAccountSettingDefault,
  PutClusterCapacityProviders: putClusterCapacityProviders,
  RegisterTaskDefinition: registerTaskDefinition,
  RunTask: runTask,
  StartTask: startTask,
  StopTask: stopTask,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateCluster: updateCluster,
  UpdateClusterSettings: updateClusterSettings,
  UpdateService: updateService,
};

/**
 * How ECS words a model constraint an input breaks: RegisterTaskDefinition answers
 * ClientException ("Family can not be blank."), other operations InvalidParameterException.
 */
function inputError(operation: string, p: InputProblem) {
  const code = operation === 'RegisterTaskDefinition' ? 'ClientException' : 'InvalidParameterException';
  const field = p.path.charAt(0).toUpperCase() + p.path.slice(1);
  if (p.kind === 'required') return ecsError(code, `${field} can not be blank.`);
  if (p.kind === 'enum') return ecsError(code, `Invalid ${p.path} value. ${p.message}`);
  return ecsError(code, `Invalid ${p.path}. ${p.message}`);
}

export function ecsService(operations: Readonly<Record<string, Operation>> = ECS_OPERATIONS): ApiService {
  const model = loadServiceModel('ecs');
  return {
    protocol: 'awsJson1_1',
    targetPrefix: model.metadata.targetPrefix!,
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix,
    validator: new InputValidator(model),
    operations,
    inputError,
    serverError: () => ecsError('ServerException', 'Service Unavailable. Please try again later.'),
  };
}
