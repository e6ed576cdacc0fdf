import { formatArn, parseArn } from '../arn.ts';
import type { Scope } from '../scope.ts';

/** The load balancer types neargate runs (ELB's `gateway` is refused). */
export type LbType = 'application' | 'network';

/** How a type is spelt inside ARNs: `loadbalancer/app/...`, `listener/net/...`. */
const ARN_TYPE: Record<LbType, string> = { application: 'app', network: 'net' };

const elbArn = (scope: Scope, resource: string) =>
  formatArn({ partition: 'aws', service: 'elasticloadbalancing', ...scope, resource });

/** `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<16 hex>`. */
export const loadBalancerArn = (scope: Scope, type: LbType, name: string, id: string) =>
  elbArn(scope, `loadbalancer/${ARN_TYPE[type]}/${name}/${id}`);

/** `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<16 hex>`. */
export const targetGroupArn = (scope: Scope, name: string, id: string) =>
  elbArn(scope, `targetgroup/${name}/${id}`);

/** A listener's ARN extends its load balancer's: `listener/app/<name>/<lb id>/<16 hex>`. */
export const listenerArn = (lbArn: string, id: string) =>
  `${lbArn.replace(':loadbalancer/', ':listener/')}/${id}`;

/** A rule's ARN extends its listener's: `listener-rule/app/<name>/<lb id>/<listener id>/<16 hex>`. */
export const ruleArn = (listener: string, id: string) =>
  `${listener.replace(':listener/', ':listener-rule/')}/${id}`;

/** The kinds of ELBv2 resource an ARN can name. */
export type ElbResourceKind = 'loadbalancer' | 'targetgroup' | 'listener' | 'listener-rule';

const SHAPES: Record<ElbResourceKind, RegExp> = {
  loadbalancer: /^loadbalancer\/(app|net)\/[^/]+\/[0-9a-f]+$/,
  targetgroup: /^targetgroup\/[^/]+\/[0-9a-f]+$/,
  listener: /^listener\/(app|net)\/[^/]+\/[0-9a-f]+\/[0-9a-f]+$/,
  'listener-rule': /^listener-rule\/(app|net)\/[^/]+\/[0-9a-f]+\/[0-9a-f]+\/[0-9a-f]+$/,
};

/** What an ELBv2 ARN names, or undefined when the text is not an ELBv2 ARN. */
export function parseElbArn(text: string): { kind: ElbResourceKind; scope: Scope } | undefined {
  const arn = parseArn(text);
  if (arn?.service !== 'elasticloadbalancing' || !arn.region || !arn.account) return undefined;
  for (const [kind, shape] of Object.entries(SHAPES) as [ElbResourceKind, RegExp][]) {
    if (shape.test(arn.resource)) return { kind, scope: { account: arn.account, region: arn.region } };
  }
  return undefined;
}

/** The load balancer a listener or rule ARN belongs to. */
export function loadBalancerArnOf(arn: string): string {
  const parsed = parseArn(arn);
  if (!parsed) throw new TypeError(`not an ARN: ${arn}`);
  const [, type, name, id] = parsed.resource.split('/');
  return formatArn({ ...parsed, resource: `loadbalancer/${type}/${name}/${id}` });
}
