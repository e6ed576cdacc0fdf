import type { StrategyItem } from './capacity-provider-strategy.ts';
import { ecsError } from './ecs-errors.ts';

/**
 * Chooses a capacity provider for each of `count` new tasks, as ECS does: first the base of
 * the one provider that has a base, then by weight, each task going to the provider furthest
 * below its share. `running` counts the tasks each provider already has (for services).
 */
export function assignProviders(
  strategy: readonly StrategyItem[],
  count: number,
  running: Readonly<Record<string, number>> = {},
): string[] {
  const counts = new Map(strategy.map((s) => [s.capacityProvider, running[s.capacityProvider] ?? 0]));
  const weighted = strategy.filter((s) => (s.weight ?? 0) > 0);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = strategy.find((s) => (s.base ?? 0) > counts.get(s.capacityProvider)!);
    let pick = base?.capacityProvider;
    if (pick === undefined) {
      if (weighted.length === 0) {
        throw ecsError(
          'InvalidParameterException',
          'There are no capacity providers with a weight value greater than zero defined in the capacity provider strategy. At least one capacity provider must have a weight value greater than zero specified.',
        );
      }
      let best = Number.POSITIVE_INFINITY;
      for (const s of weighted) {
        const beyondBase = counts.get(s.capacityProvider)! - (s.base ?? 0);
        const share = (beyondBase + 1) / s.weight!;
        if (share < best) {
          best = share;
          pick = s.capacityProvider;
        }
      }
    }
    counts.set(pick!, counts.get(pick!)! + 1);
    out.push(pick!);
  }
  return out;
}
