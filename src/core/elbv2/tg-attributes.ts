import { type AttributeSpec, bool, int, oneOf } from './attribute-specs.ts';
import type { LbProtocol, TargetType } from './elbv2-records.ts';

/** Target groups of Application Load Balancers (HTTP and HTTPS) have these attributes. */
export const isHttpProtocol = (p: LbProtocol): boolean => p === 'HTTP' || p === 'HTTPS';

const HEALTH = {
  'target_group_health.dns_failover.minimum_healthy_targets.count': int(1, 1, 1_000_000, ['off']),
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': int('off', 1, 100, ['off']),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': int(1, 1, 1_000_000),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': int('off', 1, 100, [
    'off',
  ]),
};

const cookieName: AttributeSpec = {
  default: '',
  problem: (v) =>
    /^(AWSALB|AWSALBAPP|AWSALBTG)/.test(v)
      ? "cannot begin with 'AWSALB', 'AWSALBAPP' or 'AWSALBTG', which the load balancer uses"
      : undefined,
};

/** A target group's attributes, with ELB's defaults for its protocol and target type. */
export function targetGroupAttributeSpecs(tg: {
  protocol: LbProtocol;
  targetType: TargetType;
}): Record<string, AttributeSpec> {
  const common = {
    'deregistration_delay.timeout_seconds': int(300, 0, 3600),
    'stickiness.enabled': bool(false),
    'load_balancing.cross_zone.enabled': oneOf('use_load_balancer_configuration', [
      'true',
      'false',
      'use_load_balancer_configuration',
    ]),
    ...HEALTH,
  };
  if (isHttpProtocol(tg.protocol)) {
    return {
      ...common,
      'stickiness.type': oneOf('lb_cookie', ['lb_cookie', 'app_cookie']),
      'stickiness.lb_cookie.duration_seconds': int(86_400, 1, 604_800),
      'stickiness.app_cookie.cookie_name': cookieName,
      'stickiness.app_cookie.duration_seconds': int(86_400, 1, 604_800),
      'load_balancing.algorithm.type': oneOf('round_robin', [
        'round_robin',
        'least_outstanding_requests',
        'weighted_random',
      ]),
      'load_balancing.algorithm.anomaly_mitigation': oneOf('off', ['on', 'off']),
      'slow_start.duration_seconds': {
        default: '0',
        problem: (v) =>
          v === '0' || (/^\d+$/.test(v) && Number(v) >= 30 && Number(v) <= 900)
            ? undefined
            : 'must be 0 (off) or an integer from 30 to 900',
      },
    };
  }
  const udp = tg.protocol === 'UDP' || tg.protocol === 'TCP_UDP';
  return {
    ...common,
    'stickiness.type': oneOf('source_ip', ['source_ip']),
    'deregistration_delay.connection_termination.enabled': bool(udp),
    // ELB: off for IP targets over TCP and TLS, on otherwise (and always on for UDP).
    'preserve_client_ip.enabled': udp
      ? oneOf('true', ['true'])
      : bool(!(tg.targetType === 'ip' && (tg.protocol === 'TCP' || tg.protocol === 'TLS'))),
    'proxy_protocol_v2.enabled': bool(false),
    'target_health_state.unhealthy.connection_termination.enabled': udp
      ? oneOf('true', ['true'])
      : bool(true),
    'target_health_state.unhealthy.draining_interval_seconds': int(0, 0, 360_000),
  };
}
