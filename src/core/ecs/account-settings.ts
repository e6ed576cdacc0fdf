import { ecsError } from './ecs-errors.ts';

/** Each account setting ECS has, with the values it takes and its value in a new account. */
export const ACCOUNT_SETTINGS = {
  serviceLongArnFormat: { values: ['enabled', 'disabled'], default: 'enabled' },
  taskLongArnFormat: { values: ['enabled', 'disabled'], default: 'enabled' },
  containerInstanceLongArnFormat: { values: ['enabled', 'disabled'], default: 'enabled' },
  awsvpcTrunking: { values: ['enabled', 'disabled'], default: 'disabled' },
  containerInsights: { values: ['enabled', 'disabled', 'enhanced'], default: 'disabled' },
  fargateFIPSMode: { values: ['enabled', 'disabled'], default: 'disabled' },
  tagResourceAuthorization: { values: ['on', 'off'], default: 'on' },
  fargateTaskRetirementWaitPeriod: { values: ['0', '7', '14'], default: '7' },
  guardDutyActivate: { values: ['on', 'off'], default: 'off' },
  defaultLogDriverMode: { values: ['blocking', 'non-blocking'], default: 'non-blocking' },
  fargateEventWindows: { values: ['enabled', 'disabled'], default: 'disabled' },
} as const satisfies Record<string, { values: readonly string[]; default: string }>;

export type SettingName = keyof typeof ACCOUNT_SETTINGS;
export const SETTING_NAMES = Object.keys(ACCOUNT_SETTINGS) as SettingName[];

/** Settings AWS manages; a user reads but cannot set them. */
export const AWS_MANAGED: readonly SettingName[] = ['guardDutyActivate'];
/** Settings that only PutAccountSettingDefault changes, for the whole account. */
export const ACCOUNT_WIDE_ONLY: readonly SettingName[] = [
  'fargateFIPSMode',
  'fargateTaskRetirementWaitPeriod',
];

export const isSettingName = (n: string): n is SettingName => Object.hasOwn(ACCOUNT_SETTINGS, n);

/** Checks the name of a setting a user changes, and returns it typed. */
export function checkSettingName(name: string): SettingName {
  if (!isSettingName(name)) throw ecsError('InvalidParameterException', "Invalid setting 'name'");
  if (AWS_MANAGED.includes(name)) {
    throw ecsError(
      'InvalidParameterException',
      `The ${name} setting is managed by AWS and cannot be changed.`,
    );
  }
  return name;
}

/** Checks a setting a user puts, and returns its name typed. */
export function checkSetting(text: string, value: string, how: 'principal' | 'default'): SettingName {
  const name = checkSettingName(text);
  if (how === 'principal' && ACCOUNT_WIDE_ONLY.includes(name)) {
    throw ecsError(
      'InvalidParameterException',
      `The ${name} setting can only be changed with PutAccountSettingDefault.`,
    );
  }
  if (!(ACCOUNT_SETTINGS[name].values as readonly string[]).includes(value)) {
    throw ecsError('InvalidParameterException', "Invalid setting 'value'");
  }
  return name;
}
