import type { PutAccountSettingRequest, PutAccountSettingResponse } from '@aws-sdk/client-ecs';
import { checkSetting } from '../../core/ecs/account-settings.ts';
import type { Wire } from '../../core/wire.ts';
import { putSetting } from '../../store/account-settings.ts';
import type { OperationContext } from '../operation.ts';

/** Sets a setting for one principal; for the root user it is the account's setting. */
export async function putAccountSetting(
  ctx: OperationContext,
  input: Wire<PutAccountSettingRequest>,
): Promise<Wire<PutAccountSettingResponse>> {
  const value = input.value ?? '';
  const name = checkSetting(input.name ?? '', value, 'principal');
  const principalArn = input.principalArn ?? ctx.principalArn;
  await ctx.deps.store.write((tx) => putSetting(tx, ctx.scope, { name, value, principalArn }));
  return { setting: { name, value, principalArn, type: 'user' } };
}
