import type { AlbAction, WeightedGroup } from './alb-action.ts';
import type { RequestHead } from './http-request-head.ts';
import type { LbServices } from './lb-services.ts';
import {
  APP_COOKIE,
  APP_COOKIE_LIFETIME_MS,
  cookieValue,
  LB_COOKIE,
  LB_COOKIE_CORS,
  setCookieLine,
  TG_COOKIE,
  TG_COOKIE_CORS,
} from './stickiness-cookies.ts';
import type { TargetGroupRuntime } from './target-group-runtime.ts';
import type { TargetRuntime } from './target-runtime.ts';

/** What stickiness adds to one response; one per client connection, reset for each request. */
export class StickyState {
  /** Set-Cookie lines ALB adds to the response. */
  cookies = '';
  /** Application-cookie stickiness of the request's group, decided once the response is seen. */
  app: { group: TargetGroupRuntime; target: TargetRuntime; cookieName: string; stuck: boolean } | null = null;

  reset(): void {
    this.cookies = '';
    this.app = null;
  }
}

/**
 * The group of a forward: by weight, or the one a valid AWSALBTG cookie names when target group
 * stickiness is on (the cookie renewed on each response, as ALB renews it).
 */
export function chooseGroup(
  head: RequestHead,
  action: Extract<AlbAction, { kind: 'forward' }>,
  services: LbServices,
  state: StickyState,
): WeightedGroup | undefined {
  const { groups } = action;
  if (groups.length <= 1) return groups[0];
  const now = services.now();
  let chosen: WeightedGroup | undefined;
  if (action.stickyMs > 0) {
    const payload = opened(cookieValue(head.all('cookie'), TG_COOKIE), services);
    if (payload !== undefined) {
      const [arn, expires] = payload.split('|');
      if (Number(expires) > now) chosen = groups.find((g) => g.group.arn === arn);
    }
  }
  if (chosen === undefined) {
    let r = services.random() * action.totalWeight;
    chosen = groups[groups.length - 1]!;
    for (const g of groups) {
      r -= g.weight;
      if (r < 0) {
        chosen = g;
        break;
      }
    }
  }
  if (action.stickyMs > 0) {
    const expires = now + action.stickyMs;
    const value = services.cookies.seal(`${chosen.group.arn}|${expires}`);
    state.cookies +=
      setCookieLine(TG_COOKIE, value, expires, false) + setCookieLine(TG_COOKIE_CORS, value, expires, true);
  }
  return chosen;
}

/**
 * The target of a request in `group`: the one its stickiness cookie names while it may take
 * requests (AWSALB for lb_cookie; AWSALBAPP-0 beside the application's own cookie for app_cookie),
 * else the group's next by its algorithm.
 */
export function chooseTarget(
  head: RequestHead,
  group: TargetGroupRuntime,
  services: LbServices,
  state: StickyState,
): TargetRuntime | undefined {
  const stickiness = group.plan.stickiness;
  if (!stickiness.enabled || stickiness.type === 'source_ip') return group.pick();
  const now = services.now();
  const durationMs = stickiness.durationSeconds * 1000;
  const cookies = head.all('cookie');
  const app = stickiness.type === 'app_cookie';
  let target: TargetRuntime | undefined;
  const payload = opened(cookieValue(cookies, app ? APP_COOKIE : LB_COOKIE), services);
  if (payload !== undefined && (!app || cookieValue(cookies, stickiness.cookieName ?? '') !== undefined)) {
    const [arn, key, expires] = payload.split('|');
    if (arn === group.arn && Number(expires) > now) target = group.sticky(key!);
  }
  const stuck = target !== undefined;
  target ??= group.pick();
  if (target === undefined) return undefined;
  if (app) {
    state.app = { group, target, cookieName: stickiness.cookieName ?? '', stuck };
  } else {
    // ALB renews its cookie on every response.
    const value = services.cookies.seal(`${group.arn}|${target.key}|${now + durationMs}`);
    state.cookies +=
      setCookieLine(LB_COOKIE, value, now + durationMs, false) +
      setCookieLine(LB_COOKIE_CORS, value, now + durationMs, true);
  }
  return target;
}

/**
 * The AWSALBAPP-0 line for a response under application-cookie stickiness: made once the target
 * sets its cookie, renewed while the client is stuck; it lives 7 days, the duration is inside.
 */
export function appCookieLine(
  state: StickyState,
  setCookies: readonly string[],
  services: LbServices,
): string {
  const app = state.app;
  if (app === null) return '';
  const prefix = `${app.cookieName}=`;
  if (!app.stuck && !setCookies.some((c) => c.startsWith(prefix))) return '';
  const now = services.now();
  const durationMs = app.group.plan.stickiness.durationSeconds * 1000;
  const value = services.cookies.seal(`${app.group.arn}|${app.target.key}|${now + durationMs}`);
  return setCookieLine(APP_COOKIE, value, now + APP_COOKIE_LIFETIME_MS, false);
}

function opened(sealed: string | undefined, services: LbServices): string | undefined {
  return sealed === undefined ? undefined : services.cookies.open(sealed);
}
