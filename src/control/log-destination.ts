import type { Kysely } from 'kysely';
import { runtimeId } from '../agent/runtime-id.ts';
import type { ContainerDef } from '../core/ecs/task-definition.ts';
import { type AwslogsConfig, awslogsConfig, awslogsStreamName } from '../core/logs/awslogs-options.ts';
import type { Scope } from '../core/scope.ts';
import { isUniqueViolation } from '../store/conflicts.ts';
import { findLogGroup, insertLogGroup } from '../store/log-groups.ts';
import { findLogStream, insertLogStream } from '../store/log-streams.ts';
import type { Database } from '../store/schema.ts';

/** Where one container's lines go: its awslogs configuration and the group and stream it names. */
export interface LogDestination {
  config: AwslogsConfig;
  scope: Scope;
  group: string;
  stream: string;
}

/** Whether the control plane ships the container's log (awslogs): its host keeps every line until shipped. */
export function shipsLog(c: ContainerDef): boolean {
  return c.logConfiguration?.logDriver === 'awslogs';
}

/** The awslogs destination of a container, or undefined when it logs elsewhere. Throws AwslogsOptionsError. */
export function logDestination(
  taskScope: Scope,
  taskId: string,
  c: ContainerDef,
): LogDestination | undefined {
  if (!shipsLog(c)) return undefined;
  const config = awslogsConfig(c.logConfiguration?.options ?? {});
  return {
    config,
    scope: { account: taskScope.account, region: config.region ?? taskScope.region },
    group: config.group,
    stream: awslogsStreamName(config, c.name!, taskId, runtimeId(taskId, c.name!)),
  };
}

/**
 * The ids of the destination's group and stream, made when missing: the stream always (as the
 * driver does when the container starts), the group only with `awslogs-create-group`. Undefined
 * when the group does not exist and may not be made.
 */
export async function ensureDestination(
  tx: Kysely<Database>,
  d: LogDestination,
  now: number,
): Promise<{ groupId: number; streamId: number } | undefined> {
  let group = await findLogGroup(tx, d.scope, d.group);
  if (!group && d.config.createGroup) {
    try {
      await insertLogGroup(tx, {
        account: d.scope.account,
        region: d.scope.region,
        name: d.group,
        createdAt: now,
        retentionDays: undefined,
        kmsKeyId: undefined,
        logGroupClass: 'STANDARD',
        deletionProtection: false,
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    group = await findLogGroup(tx, d.scope, d.group);
  }
  if (!group) return undefined;
  let stream = await findLogStream(tx, group.id, d.stream);
  if (!stream) {
    try {
      await insertLogStream(tx, { groupId: group.id, name: d.stream, createdAt: now });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    stream = await findLogStream(tx, group.id, d.stream);
  }
  return stream && { groupId: group.id, streamId: stream.id };
}
