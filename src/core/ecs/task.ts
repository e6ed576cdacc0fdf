import type { Task as SdkTask, TaskOverride } from '@aws-sdk/client-ecs';
import type { Wire } from '../wire.ts';
import type { TaskDefinition } from './task-definition.ts';
import type { TaskStatus } from './task-status.ts';

/** A task as DescribeTasks returns it. */
export type Task = Wire<SdkTask>;
export type TaskOverrides = Wire<TaskOverride>;

/** The task's elastic network interface, as the control plane allocated it. */
export interface EniPlan {
  attachmentId: string;
  eniId: string;
  vpcId: string;
  vpcCidr: string;
  subnetId: string;
  subnetCidr: string;
  availabilityZone: string;
  ipv4: string;
  mac: string;
  privateDnsName: string;
  assignPublicIp: boolean;
  securityGroups: string[];
}

/** One of a service's loadBalancers (ALB or NLB target groups; Classic Load Balancers are refused). */
export interface TaskLoadBalancer {
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
}

/** What RunTask decided; the host realises exactly this, whatever happens to the task definition later. */
export interface TaskPlan {
  taskDefinition: TaskDefinition;
  overrides: TaskOverrides;
  cpuUnits: number;
  memoryMiB: number;
  network: EniPlan;
  capacityProvider: 'FARGATE' | 'FARGATE_SPOT';
  /**
   * The target groups the task's address is registered in while it runs (its service
   * deployment's loadBalancers): registered while ACTIVATING, deregistered while DEACTIVATING.
   */
  loadBalancers?: TaskLoadBalancer[];
  /**
   * The id in AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (`/v2/credentials/<id>`) of a task with a
   * role, fixed for its life; the credentials behind it are renewed.
   */
  credentialsId?: string;
}

/** A task as the store keeps it. */
export interface TaskRecord {
  id: string;
  cluster: string;
  family: string;
  revision: number;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  startedBy: string | undefined;
  group: string;
  serviceName: string | undefined;
  launchType: string;
  host: string;
  createdAt: number;
  stoppedAt: number | undefined;
  version: number;
  doc: Task;
  plan: TaskPlan;
}
