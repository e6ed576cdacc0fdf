import type { LoadBalancer, NetworkConfiguration, ServiceRegistry } from '@aws-sdk/client-ecs';
import type { Wire } from '../wire.ts';
import type { StrategyItem } from './capacity-provider-strategy.ts';
import type { TaskLoadBalancer } from './task.ts';

/** What a user configured on a service, with ECS's defaults filled in. */
export interface ServiceConfig {
  /** The task definition ARN of the primary deployment. */
  taskDefinition: string;
  desiredCount: number;
  launchType?: 'FARGATE';
  capacityProviderStrategy?: StrategyItem[];
  platformVersion: string;
  networkConfiguration: Wire<NetworkConfiguration>;
  deploymentConfiguration: {
    maximumPercent: number;
    minimumHealthyPercent: number;
    deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
  };
  healthCheckGracePeriodSeconds?: number;
  loadBalancers: Wire<LoadBalancer>[];
  serviceRegistries: Wire<ServiceRegistry>[];
  enableECSManagedTags: boolean;
  propagateTags: 'TASK_DEFINITION' | 'SERVICE' | 'NONE';
  enableExecuteCommand: boolean;
  availabilityZoneRebalancing: 'ENABLED' | 'DISABLED';
  createdBy: string;
}

/** What the scheduler remembers of a service between its looks at it. */
export interface SchedulerState {
  /** When the service last became steady; undefined while it is not. */
  steadySince?: number;
  /** Tasks that keep failing: how many in a row, and until when launches wait (ECS's throttle). */
  consecutiveFailures: number;
  throttledUntil?: number;
  /** When "unable to consistently start tasks" was last said, so it is not said on every look. */
  unableSaidAt?: number;
  /** Tasks that stopped before this (epoch ms, less a margin) have had their failures counted. */
  countedThrough?: number;
}

export type DeploymentStatus = 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** A deployment as the store keeps it; counts of tasks are derived when it is described. */
export interface DeploymentDoc {
  /** The id of its ServiceDeployment (the last part of its ARN), apart from the `ecs-svc/` id. */
  serviceDeploymentId: string;
  taskDefinition: string;
  launchType?: 'FARGATE';
  capacityProviderStrategy?: StrategyItem[];
  platformVersion: string;
  networkConfiguration: Wire<NetworkConfiguration>;
  /** The target groups its tasks are registered in (absent: none, as for deployments of before). */
  loadBalancers?: TaskLoadBalancer[];
  rolloutState: RolloutState;
  rolloutStateReason: string;
  /** Tasks of this deployment that failed (to start, or their health checks). */
  failedTasks: number;
  /** Stopped tasks already counted, so none is counted twice. */
  countedTasks: string[];
  serviceRevisionArn: string;
  /** The ServiceDeployment's own status (DescribeServiceDeployments). */
  deploymentStatus:
    | 'PENDING'
    | 'IN_PROGRESS'
    | 'SUCCESSFUL'
    | 'STOPPED'
    | 'ROLLBACK_IN_PROGRESS'
    | 'ROLLBACK_SUCCESSFUL'
    | 'ROLLBACK_FAILED';
  statusReason?: string;
  sourceRevisionArns: string[];
  deploymentConfiguration: ServiceConfig['deploymentConfiguration'];
  /** Set on a failed deployment the circuit breaker rolls back: when, why, and to which revision. */
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  finishedAt?: number;
}
