import type { LaunchContext } from '../../control/task-launcher.ts';
import type { OperationContext } from '../operation.ts';

/** What the task launcher needs, from a request's context. */
export const launchContext = (ctx: OperationContext): LaunchContext => ({
  scope: ctx.scope,
  now: ctx.now,
  ids: ctx.deps.ids,
  host: ctx.deps.host,
  defaultVpcCidrs: ctx.deps.defaultVpcCidrs,
});
