import type { ListAccountSettingsRequest, ListAccountSettingsResponse, Setting } from '@aws-sdk/client-ecs';
import {
  ACCOUNT_SETTINGS,
  AWS_MANAGED,
  SETTING_NAMES,
  type SettingName,
} from '../../core/ecs/account-settings.ts';
import type { Wire } from '../../core/wire.ts';
import { listSettings } from '../../store/account-settings.ts';
import { rootPrincipal } from '../auth.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { ecsPage } from './paging.ts';

/**
 * Lists the settings set for a principal (the caller unless `principalArn` names another),
 * or with `effectiveSettings` every setting's value in force for it: its own, else the
 * account's, else ECS's default.
 */
export async function listAccountSettings(
  ctx: OperationContext,
  input: Wire<ListAccountSettingsRequest>,
): Promise<Wire<ListAccountSettingsResponse>> {
  const { limit, after } = ecsPage(input, isString, 10);
  const principal = input.principalArn ?? ctx.principalArn;
  const root = rootPrincipal(ctx.scope.account);
  const rows = await listSettings(
    ctx.deps.store.db,
    ctx.scope,
    principal === root ? [root] : [principal, root],
  );
  const settings: Wire<Setting>[] = [];
  for (const name of SETTING_NAMES) {
    const own = rows.find((r) => r.name === name && r.principalArn === principal);
    const account = rows.find((r) => r.name === name && r.principalArn === root);
    const type = AWS_MANAGED.includes(name) ? 'aws_managed' : 'user';
    if (!input.effectiveSettings) {
      if (own) settings.push({ name, value: own.value, principalArn: principal, type });
      continue;
    }
    const hit = own ?? account;
    settings.push({
      name,
      value: hit?.value ?? ACCOUNT_SETTINGS[name as SettingName].default,
      principalArn: hit?.principalArn ?? root,
      type,
    });
  }
  const filtered = settings
    .filter((s) => input.name === undefined || s.name === input.name)
    .filter((s) => input.value === undefined || s.value === input.value)
    .filter((s) => after === undefined || s.name! > after)
    .sort((a, b) => (a.name! < b.name! ? -1 : 1));
  const shown = filtered.slice(0, limit);
  return { settings: shown, ...(filtered.length > limit && { nextToken: encodeToken(shown.at(-1)!.name) }) };
}
