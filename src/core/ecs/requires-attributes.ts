import type { ContainerDef, RegisterInput } from './task-definition.ts';

const DOCKER_API = 'com.amazonaws.ecs.capability.docker-remote-api.';

/**
 * The instance attributes a task definition needs, as ECS derives them on registration
 * (they matter for EC2 placement; Fargate always has them, but clients read them).
 */
export function requiresAttributes(
  input: RegisterInput,
  containers: readonly ContainerDef[],
): { name: string }[] {
  const names = new Set<string>();
  const add = (n: string) => names.add(n);
  if (input.networkMode === 'awsvpc') {
    add(`${DOCKER_API}1.18`);
    add('ecs.capability.task-eni');
  }
  if (input.taskRoleArn) add('com.amazonaws.ecs.capability.task-iam-role');
  if (input.pidMode === 'task' || input.ipcMode === 'task') add('ecs.capability.pid-ipc-namespace-sharing');
  for (const v of input.volumes ?? []) {
    if (v.efsVolumeConfiguration) add('ecs.capability.efsAuth');
  }
  for (const c of containers) {
    const log = c.logConfiguration?.logDriver;
    if (log) {
      add(`com.amazonaws.ecs.capability.logging-driver.${log}`);
      add(`${DOCKER_API}1.19`);
      if (log === 'awslogs' && input.executionRoleArn) add('ecs.capability.execution-role-awslogs');
    }
    if (input.executionRoleArn && /\.dkr\.ecr\.[^/]+\.amazonaws\.com/.test(c.image ?? '')) {
      add('ecs.capability.execution-role-ecr-pull');
    }
    if (c.healthCheck) {
      add('ecs.capability.container-health-check');
      add(`${DOCKER_API}1.24`);
    }
    if (c.dependsOn?.length || c.startTimeout !== undefined || c.stopTimeout !== undefined) {
      add('ecs.capability.container-ordering');
    }
    if (c.dockerLabels && Object.keys(c.dockerLabels).length > 0) add(`${DOCKER_API}1.18`);
    if (c.ulimits?.length) add(`${DOCKER_API}1.18`);
    if (c.linuxParameters?.initProcessEnabled) add(`${DOCKER_API}1.25`);
    if (c.repositoryCredentials)
      add('com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager');
    for (const s of c.secrets ?? []) {
      add(
        s.valueFrom?.includes(':ssm:') || !s.valueFrom?.startsWith('arn:')
          ? 'ecs.capability.secrets.ssm.environment-variables'
          : 'ecs.capability.secrets.asm.environment-variables',
      );
    }
    if (c.environmentFiles?.length) add('ecs.capability.env-files.s3');
  }
  return [...names].sort().map((name) => ({ name }));
}
