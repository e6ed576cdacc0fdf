import type { Kysely } from 'kysely';
import { ACCOUNT_SETTINGS, type SettingName } from '../../core/ecs/account-settings.ts';
import type { Scope } from '../../core/scope.ts';
import { listSettings } from '../../store/account-settings.ts';
import type { Database } from '../../store/schema.ts';
import { rootPrincipal } from '../auth.ts';

/**
 * The value of a setting for a principal: its own, else the account's (kept as the root
 * user's, as ECS does), else ECS's default.
 */
export async function effectiveSetting(
  db: Kysely<Database>,
  scope: Scope,
  principalArn: string,
  name: SettingName,
): Promise<{ value: string; principalArn: string }> {
  const root = rootPrincipal(scope.account);
  const rows = await listSettings(db, scope, principalArn === root ? [root] : [principalArn, root]);
  const own = rows.find((r) => r.name === name && r.principalArn === principalArn);
  const account = rows.find((r) => r.name === name && r.principalArn === root);
  const hit = own ?? account;
  return hit
    ? { value: hit.value, principalArn: hit.principalArn }
    : { value: ACCOUNT_SETTINGS[name].default, principalArn: root };
}
