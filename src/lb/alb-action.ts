import { compileFixedResponse } from './alb-responses.ts';
import type { ActionPlan, RulePlan } from './lb-plan.ts';
import { redirectStatus } from './redirect-url.ts';
import type { TargetGroupRuntime } from './target-group-runtime.ts';

type Redirect = Extract<ActionPlan, { type: 'redirect' }>;

export interface WeightedGroup {
  readonly group: TargetGroupRuntime;
  readonly weight: number;
}

/** A rule's terminal action, made ready for requests. */
export type AlbAction =
  | {
      readonly kind: 'forward';
      /** Groups of weight 0 are left out. */
      readonly groups: readonly WeightedGroup[];
      readonly totalWeight: number;
      /** Target group stickiness of a weighted forward, in ms; 0 when off. */
      readonly stickyMs: number;
    }
  | { readonly kind: 'fixed'; readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly kind: 'redirect'; readonly status: 301 | 302; readonly plan: Redirect };

/** Compiles a rule's last (terminal) action; forwards find their groups through `groupOf`. */
export function compileAlbAction(
  rule: RulePlan,
  groupOf: (arn: string) => TargetGroupRuntime | undefined,
): AlbAction {
  const action = rule.actions[rule.actions.length - 1];
  if (action === undefined) throw new RangeError(`Rule '${rule.arn}' has no action`);
  switch (action.type) {
    case 'forward': {
      const groups: WeightedGroup[] = [];
      for (const { arn, weight } of action.targetGroups) {
        const group = groupOf(arn);
        // A group missing from the plan has no targets: requests for it get ELB's 503.
        if (group !== undefined && weight > 0) groups.push({ group, weight });
      }
      const sticky = action.stickiness?.enabled === true && action.targetGroups.length > 1;
      return {
        kind: 'forward',
        groups,
        totalWeight: groups.reduce((sum, g) => sum + g.weight, 0),
        stickyMs: sticky ? action.stickiness!.durationSeconds * 1000 : 0,
      };
    }
    case 'fixed-response':
      return { kind: 'fixed', ...compileFixedResponse(action) };
    case 'redirect':
      return { kind: 'redirect', status: redirectStatus(action), plan: action };
  }
}
