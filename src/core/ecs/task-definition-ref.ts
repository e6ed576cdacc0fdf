import type { Scope } from '../scope.ts';
import { ecsArnResource } from './ecs-arn.ts';
import { ecsError } from './ecs-errors.ts';
import type { TaskDefinitionRef } from './task-definition.ts';

/**
 * Reads `family`, `family:revision` or a task definition ARN. A revision that is not a
 * positive number is refused; an ARN of another account or region names nothing here.
 */
export function parseTaskDefinitionRef(scope: Scope, text: string): TaskDefinitionRef | undefined {
  const body = text.startsWith('arn:') ? ecsArnResource(scope, text, 'task-definition') : text;
  if (body === undefined || body === '') return undefined;
  const colon = body.lastIndexOf(':');
  if (colon < 0) return { family: body };
  const revision = body.slice(colon + 1);
  if (!/^[1-9]\d{0,9}$/.test(revision)) throw ecsError('ClientException', 'Invalid revision number');
  return { family: body.slice(0, colon), revision: Number(revision) };
}
