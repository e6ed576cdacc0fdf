import { parseArn } from '../arn.ts';
import type { Scope } from '../scope.ts';
import type { TaskOverrides } from './task.ts';
import type { TaskDefinition } from './task-definition.ts';

/** The IAM role a task's containers get credentials for: RunTask's override, else the definition's. */
export function taskRoleOf(td: TaskDefinition, overrides: TaskOverrides): string | undefined {
  const role = overrides.taskRoleArn ?? td.taskRoleArn;
  return role === undefined || role === '' ? undefined : role;
}

/** A role as ECS takes it (a name or an ARN) as a full IAM role ARN, in the task's account for a name. */
export function roleArnOf(scope: Scope, role: string): string {
  return role.startsWith('arn:') ? role : `arn:aws:iam::${scope.account}:role/${role}`;
}

/** The role's name: the last part of its path (`arn:aws:iam::1:role/team/app` is `app`). */
export function roleNameOf(roleArn: string): string {
  const resource = parseArn(roleArn)?.resource ?? roleArn;
  return resource.slice(resource.lastIndexOf('/') + 1);
}

/**
 * Who a task's credentials act as, as STS names an assumed role's session: ECS names the session
 * after the task id, e.g. `arn:aws:sts::000000000000:assumed-role/app/0123…`.
 */
export function assumedRolePrincipal(scope: Scope, roleArn: string, taskId: string): string {
  return `arn:aws:sts::${scope.account}:assumed-role/${roleNameOf(roleArn)}/${taskId}`;
}
