/**
 * The contract between the ELBv2 control plane and the load balancer data plane: what the data
 * plane is told to run (the whole plan, each time; applying it is idempotent) and what it
 * reports back (target health). Plain data only, so it can cross a network later.
 */

/** Every load balancer and target group of a host, whole. */
export interface LbPlan {
  readonly loadBalancers: readonly LoadBalancerPlan[];
  readonly targetGroups: readonly TargetGroupPlan[];
}

export interface LoadBalancerPlan {
  readonly arn: string;
  readonly type: 'application' | 'network';
  /** The loopback address (127.x.y.z) its listeners bind for programs on the host. */
  readonly address: string;
  /** Its DNSName, resolved to `address` on the host and to a reachable address inside tasks. */
  readonly dnsName: string;
  /** `idle_timeout.timeout_seconds` (ALB), in ms. */
  readonly idleTimeoutMs: number;
  readonly listeners: readonly ListenerPlan[];
}

export type ListenerProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP';

export interface ListenerPlan {
  readonly arn: string;
  readonly port: number;
  readonly protocol: ListenerProtocol;
  /** By ascending priority, the listener's default rule last (NLB listeners: the default only). */
  readonly rules: readonly RulePlan[];
}

export interface RulePlan {
  readonly arn: string;
  readonly priority: number | 'default';
  /** All must match (a rule's conditions are ANDed; a condition's values are ORed). */
  readonly conditions: readonly ConditionPlan[];
  /** In ELB's action order; the last is the terminal one (forward, fixed-response or redirect). */
  readonly actions: readonly ActionPlan[];
}

export type ConditionPlan =
  /** Case-sensitive, `*` and `?` wildcards, matched against the path without the query. */
  | { readonly field: 'path-pattern'; readonly values: readonly string[] }
  /** Case-insensitive, `*` and `?` wildcards, without the port. */
  | { readonly field: 'host-header'; readonly values: readonly string[] }
  /** Header name case-insensitive, values case-insensitive with wildcards. */
  | { readonly field: 'http-header'; readonly name: string; readonly values: readonly string[] }
  | { readonly field: 'http-request-method'; readonly values: readonly string[] }
  /** Key/value pairs of the query string, case-insensitive with wildcards; a missing key matches any key. */
  | { readonly field: 'query-string'; readonly values: readonly { key?: string; value: string }[] }
  /** CIDRs the client's address must be in. */
  | { readonly field: 'source-ip'; readonly values: readonly string[] };

export type ActionPlan =
  | {
      readonly type: 'forward';
      /** Weights as ELB takes them (0 to 999); one group of weight 1 for a plain forward. */
      readonly targetGroups: readonly { readonly arn: string; readonly weight: number }[];
      /** Target group stickiness of a weighted forward. */
      readonly stickiness?: { readonly enabled: boolean; readonly durationSeconds: number };
    }
  | {
      readonly type: 'fixed-response';
      readonly statusCode: string;
      readonly contentType?: string;
      readonly messageBody?: string;
    }
  | {
      readonly type: 'redirect';
      /** Each may hold ELB's `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}`. */
      readonly protocol: string;
      readonly host: string;
      readonly port: string;
      readonly path: string;
      readonly query: string;
      readonly statusCode: 'HTTP_301' | 'HTTP_302';
    };

export type TargetGroupProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP' | 'GENEVE';

export interface HealthCheckPlan {
  readonly enabled: boolean;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TCP';
  /** A port, or the target's own port. */
  readonly port: number | 'traffic-port';
  /** HTTP checks only. */
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** ELB's HttpCode matcher: `200`, `200,202`, `200-299`. HTTP checks only. */
  readonly matcher: string;
}

export interface TargetGroupPlan {
  readonly arn: string;
  readonly protocol: TargetGroupProtocol;
  readonly port: number;
  readonly healthCheck: HealthCheckPlan;
  readonly stickiness: {
    readonly enabled: boolean;
    readonly type: 'lb_cookie' | 'app_cookie' | 'source_ip';
    readonly durationSeconds: number;
    readonly cookieName?: string;
  };
  /** `load_balancing.algorithm.type`. */
  readonly algorithm: 'round_robin' | 'least_outstanding_requests';
  readonly targets: readonly TargetPlan[];
}

export interface TargetPlan {
  /** An IP address (target type ip, as Fargate tasks are registered). */
  readonly id: string;
  readonly port: number;
  /**
   * Set once the target is deregistered: until then (epoch ms) it takes no new requests or
   * connections while those in flight finish; after it, the control plane drops it from the plan.
   */
  readonly drainingUntil?: number;
}

/** ELB's target states and reason codes, as DescribeTargetHealth reports them. */
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface TargetHealth {
  readonly targetGroupArn: string;
  readonly id: string;
  readonly port: number;
  readonly state: TargetHealthState;
  /** e.g. `Elb.InitialHealthChecking`, `Target.ResponseCodeMismatch`, `Target.Timeout`. */
  readonly reason?: string;
  readonly description?: string;
}

/** The data plane as the control plane drives it. */
export interface LbDataPlane {
  /** Makes the running listeners, routes, pools and health checks match the plan. */
  apply(plan: LbPlan): Promise<void>;
  /** What the health checks found for every target of the group in the last applied plan. */
  targetHealth(targetGroupArn: string): readonly TargetHealth[];
  /** Called with a target group's ARN when the health of one of its targets changes. */
  onHealthChange(listener: (targetGroupArn: string) => void): () => void;
  close(): Promise<void>;
}
