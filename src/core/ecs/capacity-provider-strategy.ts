import { ecsError } from './ecs-errors.ts';

/** The capacity providers every cluster can use; neargate has no custom ones. */
export const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;
export type FargateProvider = (typeof FARGATE_PROVIDERS)[number];

export interface StrategyItem {
  capacityProvider: string;
  weight?: number;
  base?: number;
}

const MAX_BASE = 100_000;
const MAX_WEIGHT = 1000;
const MAX_ITEMS = 20;

export const isFargateProvider = (name: string): name is FargateProvider =>
  (FARGATE_PROVIDERS as readonly string[]).includes(name);

export function checkProviderNames(names: readonly string[]): void {
  for (const n of names) {
    if (!isFargateProvider(n)) {
      throw ecsError(
        'InvalidParameterException',
        'The specified capacity provider was not found. Specify a valid capacity provider and try again.',
      );
    }
  }
}

/**
 * Checks a capacity provider strategy against the providers associated with the cluster,
 * with ECS's limits on base and weight.
 */
export function checkStrategy(
  items: readonly {
    capacityProvider?: string | undefined;
    weight?: number | undefined;
    base?: number | undefined;
  }[],
  associated: readonly string[],
): StrategyItem[] {
  if (items.length > MAX_ITEMS) {
    throw ecsError(
      'InvalidParameterException',
      `A capacity provider strategy can have at most ${MAX_ITEMS} items.`,
    );
  }
  const seen = new Set<string>();
  let withBase = 0;
  const out: StrategyItem[] = [];
  for (const item of items) {
    const name = item.capacityProvider ?? '';
    checkProviderNames([name]);
    if (!associated.includes(name)) {
      throw ecsError(
        'InvalidParameterException',
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
    }
    if (seen.has(name)) {
      throw ecsError(
        'InvalidParameterException',
        'A capacity provider strategy cannot contain duplicate capacity providers.',
      );
    }
    seen.add(name);
    const base = item.base ?? 0;
    const weight = item.weight ?? 0;
    if (base < 0 || base > MAX_BASE) {
      throw ecsError('InvalidParameterException', `The base value must be between 0 and ${MAX_BASE}.`);
    }
    if (weight < 0 || weight > MAX_WEIGHT) {
      throw ecsError('InvalidParameterException', `The weight value must be between 0 and ${MAX_WEIGHT}.`);
    }
    if (base > 0) withBase++;
    out.push({
      capacityProvider: name,
      ...(item.weight !== undefined && { weight }),
      ...(item.base !== undefined && { base }),
    });
  }
  if (withBase > 1) {
    throw ecsError(
      'InvalidParameterException',
      'Only one capacity provider in a capacity provider strategy can have a base defined.',
    );
  }
  return out;
}
