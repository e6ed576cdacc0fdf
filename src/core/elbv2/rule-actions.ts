import type { LbType } from './elbv2-arn.ts';
import { elbError, validationError } from './elbv2-errors.ts';
import type { ForwardTarget, RuleAction } from './elbv2-records.ts';

/** An action as the API carries it (Action in the model). */
export interface WireAction {
  Type?: string | undefined;
  TargetGroupArn?: string | undefined;
  Order?: number | undefined;
  ForwardConfig?:
    | {
        TargetGroups?: { TargetGroupArn?: string | undefined; Weight?: number | undefined }[] | undefined;
        TargetGroupStickinessConfig?:
          | { Enabled?: boolean | undefined; DurationSeconds?: number | undefined }
          | undefined;
      }
    | undefined;
  FixedResponseConfig?:
    | { StatusCode?: string | undefined; ContentType?: string | undefined; MessageBody?: string | undefined }
    | undefined;
  RedirectConfig?:
    | {
        Protocol?: string | undefined;
        Port?: string | undefined;
        Host?: string | undefined;
        Path?: string | undefined;
        Query?: string | undefined;
        StatusCode?: string | undefined;
      }
    | undefined;
  AuthenticateOidcConfig?: unknown;
  AuthenticateCognitoConfig?: unknown;
  JwtValidationConfig?: unknown;
}

/** ELB's quota: target groups in one forward action. */
export const MAX_FORWARD_TARGET_GROUPS = 5;
const MAX_WEIGHT = 999;
const MAX_STICKINESS_SECONDS = 604_800;
const CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];

const CONFIG_OF: Record<string, keyof WireAction> = {
  forward: 'ForwardConfig',
  'fixed-response': 'FixedResponseConfig',
  redirect: 'RedirectConfig',
};

/**
 * Reads a rule's (or a listener's default) actions as ELB checks them. neargate's actions are
 * the terminal ones (forward, fixed-response, redirect), so a rule has exactly one; the
 * authentication actions are refused, since neargate has no identity provider to call.
 * Target groups are checked by the caller, which knows the store.
 */
export function parseActions(input: readonly WireAction[], lbType: LbType): RuleAction[] {
  if (input.length === 0) throw validationError('At least one action must be specified');
  const orders = input.map((a) => a.Order).filter((o) => o !== undefined);
  if (new Set(orders).size !== orders.length) throw validationError('Action orders must be unique');
  const actions = input.map((a) => parseAction(a, lbType));
  if (actions.length > 1)
    throw elbError(
      'InvalidLoadBalancerAction',
      'A rule can have only one terminal action (forward, redirect or fixed-response)',
    );
  return actions;
}

function parseAction(a: WireAction, lbType: LbType): RuleAction {
  const type = a.Type;
  if (type === undefined) throw validationError('An action type must be specified');
  if (type === 'authenticate-oidc' || type === 'authenticate-cognito' || type === 'jwt-validation')
    throw elbError('InvalidLoadBalancerAction', `Action type '${type}' is not supported by neargate`);
  for (const [t, member] of Object.entries(CONFIG_OF))
    if (t !== type && a[member] !== undefined)
      throw validationError(`An action of type '${type}' cannot have a ${member}`);
  const order = a.Order !== undefined ? { order: a.Order } : {};
  if (lbType === 'network' && type !== 'forward')
    throw elbError(
      'InvalidLoadBalancerAction',
      `Action type '${type}' is not supported by Network Load Balancers, which only forward`,
    );
  switch (type) {
    case 'forward':
      return { type, ...order, ...forward(a, lbType) };
    case 'fixed-response': {
      const f = a.FixedResponseConfig;
      if (!f?.StatusCode) throw validationError('A fixed-response action must have a StatusCode');
      if (f.ContentType !== undefined && !CONTENT_TYPES.includes(f.ContentType))
        throw validationError(
          `Content type '${f.ContentType}' is not valid; it must be one of ${CONTENT_TYPES.join(', ')}`,
        );
      return {
        type,
        ...order,
        statusCode: f.StatusCode,
        ...(f.ContentType !== undefined && { contentType: f.ContentType }),
        ...(f.MessageBody !== undefined && { messageBody: f.MessageBody }),
      };
    }
    case 'redirect':
      return { type, ...order, ...redirect(a) };
    default:
      throw validationError(`Action type '${type}' must be one of 'forward, redirect, fixed-response'`);
  }
}

function forward(a: WireAction, lbType: LbType) {
  const listed = a.ForwardConfig?.TargetGroups;
  let targetGroups: ForwardTarget[];
  if (listed !== undefined && listed.length > 0) {
    targetGroups = listed.map((t) => {
      if (!t.TargetGroupArn)
        throw validationError('A target group ARN must be specified in a forward configuration');
      const weight = t.Weight ?? 1;
      if (weight < 0 || weight > MAX_WEIGHT)
        throw validationError(`Target group weight '${weight}' must be from 0 to ${MAX_WEIGHT}`);
      return { arn: t.TargetGroupArn, weight };
    });
    if (
      a.TargetGroupArn !== undefined &&
      (targetGroups.length !== 1 || targetGroups[0]!.arn !== a.TargetGroupArn)
    )
      throw validationError(
        'You cannot specify both a target group ARN and a forward configuration with other target groups',
      );
  } else if (a.TargetGroupArn !== undefined) {
    targetGroups = [{ arn: a.TargetGroupArn, weight: 1 }];
  } else {
    throw validationError("A target group ARN must be specified for an action of type 'forward'");
  }
  if (targetGroups.length > MAX_FORWARD_TARGET_GROUPS)
    throw validationError(`A forward action can have at most ${MAX_FORWARD_TARGET_GROUPS} target groups`);
  const seen = new Set<string>();
  for (const t of targetGroups) {
    if (seen.has(t.arn))
      throw validationError(`Target group '${t.arn}' is specified more than once in the action`);
    seen.add(t.arn);
  }
  const s = a.ForwardConfig?.TargetGroupStickinessConfig;
  const enabled = s?.Enabled ?? false;
  if (
    s?.DurationSeconds !== undefined &&
    (s.DurationSeconds < 1 || s.DurationSeconds > MAX_STICKINESS_SECONDS)
  )
    throw validationError(
      `Target group stickiness duration must be from 1 to ${MAX_STICKINESS_SECONDS} seconds`,
    );
  if (enabled && s?.DurationSeconds === undefined)
    throw validationError('A target group stickiness duration must be specified when stickiness is enabled');
  if (lbType === 'network' && (targetGroups.length > 1 || enabled))
    throw elbError(
      'InvalidLoadBalancerAction',
      'Network Load Balancer listeners forward to one target group, without target group stickiness',
    );
  return {
    targetGroups,
    stickiness: { enabled, ...(s?.DurationSeconds !== undefined && { durationSeconds: s.DurationSeconds }) },
  };
}

function redirect(a: WireAction) {
  const r = a.RedirectConfig;
  if (!r?.StatusCode) throw validationError('A redirect action must have a StatusCode');
  const statusCode = r.StatusCode as 'HTTP_301' | 'HTTP_302';
  const protocol = r.Protocol ?? '#{protocol}';
  const port = r.Port ?? '#{port}';
  const host = r.Host ?? '#{host}';
  const path = r.Path ?? '/#{path}';
  const query = r.Query ?? '#{query}';
  if (port !== '#{port}' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535))
    throw validationError(`Redirect port '${port}' must be '#{port}' or a port from 1 to 65535`);
  if (!path.startsWith('/')) throw validationError(`Redirect path '${path}' must begin with '/'`);
  if (query.startsWith('?')) throw validationError(`Redirect query '${query}' must not begin with '?'`);
  if (protocol === '#{protocol}' && port === '#{port}' && host === '#{host}' && path === '/#{path}')
    throw elbError(
      'InvalidLoadBalancerAction',
      'The redirect configuration is not valid: it must change the protocol, port, host or path',
    );
  return { protocol, port, host, path, query, statusCode };
}

/** An action as the API describes it: forwards with their ForwardConfig, as ELB answers. */
export function actionView(a: RuleAction): WireAction {
  const order = a.order !== undefined ? { Order: a.order } : {};
  switch (a.type) {
    case 'forward':
      return {
        Type: a.type,
        ...(a.targetGroups.length === 1 && { TargetGroupArn: a.targetGroups[0]!.arn }),
        ...order,
        ForwardConfig: {
          TargetGroups: a.targetGroups.map((t) => ({ TargetGroupArn: t.arn, Weight: t.weight })),
          TargetGroupStickinessConfig: {
            Enabled: a.stickiness.enabled,
            ...(a.stickiness.durationSeconds !== undefined && {
              DurationSeconds: a.stickiness.durationSeconds,
            }),
          },
        },
      };
    case 'fixed-response':
      return {
        Type: a.type,
        ...order,
        FixedResponseConfig: {
          StatusCode: a.statusCode,
          ...(a.contentType !== undefined && { ContentType: a.contentType }),
          ...(a.messageBody !== undefined && { MessageBody: a.messageBody }),
        },
      };
    case 'redirect':
      return {
        Type: a.type,
        ...order,
        RedirectConfig: {
          Protocol: a.protocol,
          Port: a.port,
          Host: a.host,
          Path: a.path,
          Query: a.query,
          StatusCode: a.statusCode,
        },
      };
  }
}
