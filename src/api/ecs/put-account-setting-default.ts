import type { PutAccountSettingDefaultRequest, PutAccountSettingDefaultResponse } from '@aws-sdk/client-ecs';
import { checkSetting } from '../../core/ecs/account-settings.ts';
import type { Wire } from '../../core/wire.ts';
import { putSetting } from '../../store/account-settings.ts';
import { rootPrincipal } from '../auth.ts';
import type { OperationContext } from '../operation.ts';

/** Sets a setting for the whole account: every principal without its own value gets it. */
export async function putAccountSettingDefault(
  ctx: OperationContext,
  input: Wire<PutAccountSettingDefaultRequest>,
): Promise<Wire<PutAccountSettingDefaultResponse>> {
  const value = input.value ?? '';
  const name = checkSetting(input.name ?? '', value, 'default');
  const principalArn = rootPrincipal(ctx.scope.account);
  await ctx.deps.store.write((tx) => putSetting(tx, ctx.scope, { name, value, principalArn }));
  return { setting: { name, value, principalArn, type: 'user' } };
}
