import type {
  ContainerDefinition,
  RegisterTaskDefinitionRequest,
  TaskDefinition as SdkTaskDefinition,
} from '@aws-sdk/client-ecs';
import type { Wire } from '../wire.ts';

/** A task definition as neargate stores it and DescribeTaskDefinition returns it. */
export type TaskDefinition = Wire<SdkTaskDefinition>;
export type ContainerDef = Wire<ContainerDefinition>;
export type RegisterInput = Wire<RegisterTaskDefinitionRequest>;

/** A parsed `family`, `family:revision` or task definition ARN. */
export type TaskDefinitionRef = { family: string; revision?: number };

export const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;
