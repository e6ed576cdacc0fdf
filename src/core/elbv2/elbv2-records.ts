import type { Scope } from '../scope.ts';
import type { LbType } from './elbv2-arn.ts';

/**
 * ELBv2 resources as neargate keeps them: what the user asked for, with ELB's defaults filled in
 * and input already checked, so the API's views and the data plane's plan read them alike.
 */

export type LbScheme = 'internet-facing' | 'internal';

/** provisioning until the host's data plane runs it; active after. */
export type LbState = 'provisioning' | 'active' | 'failed';

export interface LbZone {
  zoneName: string;
  subnetId: string;
  /** A SubnetMapping's PrivateIPv4Address (network load balancers), recorded as asked. */
  privateIPv4Address?: string;
}

export interface LoadBalancerRecord {
  arn: string;
  scope: Scope;
  name: string;
  type: LbType;
  scheme: LbScheme;
  state: LbState;
  /** The host whose data plane runs it, and its loopback address there. */
  host: string;
  address: string;
  dnsName: string;
  vpcId: string;
  zones: LbZone[];
  securityGroups: string[];
  /** Every attribute with its value, ELB's defaults for those never set. */
  attributes: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** Listener and target group protocols neargate takes (the model's others are refused). */
export type LbProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP';

export type TargetType = 'ip' | 'instance';

export type HealthCheckProtocol = 'HTTP' | 'HTTPS' | 'TCP';

export interface HealthCheckSettings {
  enabled: boolean;
  protocol: HealthCheckProtocol;
  /** `traffic-port` or a port number, as text (the API's HealthCheckPort is a string). */
  port: string;
  /** HTTP and HTTPS checks only. */
  path?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** HTTP and HTTPS checks only: `200`, `200,202`, `200-299` (gRPC: GrpcCode). */
  matcher?: { HttpCode?: string; GrpcCode?: string };
}

export interface TargetGroupRecord {
  arn: string;
  scope: Scope;
  name: string;
  targetType: TargetType;
  protocol: LbProtocol;
  port: number;
  vpcId: string;
  /** HTTP and HTTPS groups: HTTP1, HTTP2 or GRPC. */
  protocolVersion?: string;
  healthCheck: HealthCheckSettings;
  attributes: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export interface ListenerRecord {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: LbProtocol;
  createdAt: number;
}

/** A rule condition, whichever of ELB's two forms (Values, or the *Config members) it came in. */
export type RuleCondition =
  | { field: 'path-pattern' | 'host-header' | 'http-request-method' | 'source-ip'; values: string[] }
  | { field: 'http-header'; name: string; values: string[] }
  | { field: 'query-string'; pairs: { key?: string; value: string }[] };

export interface ForwardTarget {
  arn: string;
  weight: number;
}

export type RuleAction =
  | {
      type: 'forward';
      order?: number;
      targetGroups: ForwardTarget[];
      stickiness: { enabled: boolean; durationSeconds?: number };
    }
  | { type: 'fixed-response'; order?: number; statusCode: string; contentType?: string; messageBody?: string }
  | {
      type: 'redirect';
      order?: number;
      protocol: string;
      port: string;
      host: string;
      path: string;
      query: string;
      statusCode: 'HTTP_301' | 'HTTP_302';
    };

export interface RuleRecord {
  arn: string;
  listenerArn: string;
  loadBalancerArn: string;
  /** null for the listener's default rule. */
  priority: number | null;
  conditions: RuleCondition[];
  actions: RuleAction[];
  createdAt: number;
}

export interface TargetRecord {
  targetGroupArn: string;
  id: string;
  port: number;
  availabilityZone?: string;
  registeredAt: number;
  /** Set once deregistered: the target drains until then (epoch ms). */
  drainingUntil?: number;
}

/** The target groups a rule's actions forward to. */
export const forwardedGroups = (actions: readonly RuleAction[]): string[] => [
  ...new Set(actions.flatMap((a) => (a.type === 'forward' ? a.targetGroups.map((t) => t.arn) : []))),
];
