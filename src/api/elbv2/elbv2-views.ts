import type { Listener, LoadBalancer, Rule, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  ListenerRecord,
  LoadBalancerRecord,
  RuleRecord,
  TargetGroupRecord,
} from '../../core/elbv2/elbv2-records.ts';
import { canonicalHostedZoneId } from '../../core/elbv2/hosted-zones.ts';
import { actionView } from '../../core/elbv2/rule-actions.ts';
import { conditionView } from '../../core/elbv2/rule-conditions.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';

/** A load balancer as DescribeLoadBalancers shows it. */
export function loadBalancerView(lb: LoadBalancerRecord): Wire<LoadBalancer> {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: canonicalHostedZoneId(lb.type, lb.scope.region),
    CreatedTime: epochSeconds(lb.createdAt),
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: lb.state },
    Type: lb.type,
    AvailabilityZones: lb.zones.map((z) => ({
      ZoneName: z.zoneName,
      SubnetId: z.subnetId,
      LoadBalancerAddresses: z.privateIPv4Address ? [{ PrivateIPv4Address: z.privateIPv4Address }] : [],
    })),
    ...((lb.type === 'application' || lb.securityGroups.length > 0) && { SecurityGroups: lb.securityGroups }),
    IpAddressType: 'ipv4',
  };
}

/** A target group as DescribeTargetGroups shows it; `loadBalancerArns` are those forwarding to it. */
export function targetGroupView(
  tg: TargetGroupRecord,
  loadBalancerArns: readonly string[],
): Wire<TargetGroup> {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    ...(hc.path !== undefined && { HealthCheckPath: hc.path }),
    ...(hc.matcher !== undefined && { Matcher: hc.matcher }),
    LoadBalancerArns: [...loadBalancerArns],
    TargetType: tg.targetType,
    ...(tg.protocolVersion !== undefined && { ProtocolVersion: tg.protocolVersion }),
    IpAddressType: 'ipv4',
  };
}

/** A listener as DescribeListeners shows it: its default actions are its default rule's. */
export function listenerView(l: ListenerRecord, defaultRule: RuleRecord | undefined): Wire<Listener> {
  return {
    ListenerArn: l.arn,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol,
    DefaultActions: (defaultRule?.actions ?? []).map(actionView) as Wire<Listener>['DefaultActions'],
  };
}

/** A rule as DescribeRules shows it: the default rule with Priority `default`. */
export function ruleView(r: RuleRecord): Wire<Rule> {
  return {
    RuleArn: r.arn,
    Priority: r.priority === null ? 'default' : String(r.priority),
    Conditions: r.conditions.map(conditionView) as Wire<Rule>['Conditions'],
    Actions: r.actions.map(actionView) as Wire<Rule>['Actions'],
    IsDefault: r.priority === null,
  };
}
