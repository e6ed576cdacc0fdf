import { ecsError } from './ecs-errors.ts';

/** The one cluster setting ECS has. */
export interface ClusterSetting {
  name: 'containerInsights';
  value: string;
}

export const CONTAINER_INSIGHTS_VALUES = ['enabled', 'disabled', 'enhanced'] as const;

/** Checks cluster settings (only containerInsights exists) and returns them merged over `current`. */
export function mergeClusterSettings(
  current: readonly ClusterSetting[],
  update: readonly { name?: string | undefined; value?: string | undefined }[],
): ClusterSetting[] {
  const merged = new Map(current.map((s) => [s.name, s.value]));
  for (const s of update) {
    if (s.name !== 'containerInsights') throw ecsError('InvalidParameterException', "Invalid setting 'name'");
    if (!CONTAINER_INSIGHTS_VALUES.includes((s.value ?? '') as (typeof CONTAINER_INSIGHTS_VALUES)[number])) {
      throw ecsError('InvalidParameterException', "Invalid setting 'value'");
    }
    merged.set(s.name, s.value!);
  }
  return [...merged].map(([name, value]) => ({ name, value }));
}
