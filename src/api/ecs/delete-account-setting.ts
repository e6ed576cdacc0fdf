import type { DeleteAccountSettingRequest, DeleteAccountSettingResponse } from '@aws-sdk/client-ecs';
import { checkSettingName } from '../../core/ecs/account-settings.ts';
import type { Wire } from '../../core/wire.ts';
import { deleteSetting } from '../../store/account-settings.ts';
import type { OperationContext } from '../operation.ts';
import { effectiveSetting } from './account-setting-values.ts';

/** Removes a principal's own value of a setting; the account's value applies again. */
export async function deleteAccountSetting(
  ctx: OperationContext,
  input: Wire<DeleteAccountSettingRequest>,
): Promise<Wire<DeleteAccountSettingResponse>> {
  const principalArn = input.principalArn ?? ctx.principalArn;
  return ctx.deps.store.write(async (tx) => {
    const name = checkSettingName(input.name ?? '');
    const current = await effectiveSetting(tx, ctx.scope, principalArn, name);
    await deleteSetting(tx, ctx.scope, principalArn, name);
    return { setting: { name, value: current.value, principalArn, type: 'user' } };
  });
}
