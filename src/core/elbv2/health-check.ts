import { validationError } from './elbv2-errors.ts';
import type { HealthCheckProtocol, HealthCheckSettings, LbProtocol, TargetType } from './elbv2-records.ts';
import { isHttpProtocol } from './tg-attributes.ts';

/** The health check members of CreateTargetGroup and ModifyTargetGroup. */
export interface HealthCheckInput {
  HealthCheckProtocol?: string | undefined;
  HealthCheckPort?: string | undefined;
  HealthCheckEnabled?: boolean | undefined;
  HealthCheckPath?: string | undefined;
  HealthCheckIntervalSeconds?: number | undefined;
  HealthCheckTimeoutSeconds?: number | undefined;
  HealthyThresholdCount?: number | undefined;
  UnhealthyThresholdCount?: number | undefined;
  Matcher?: { HttpCode?: string | undefined; GrpcCode?: string | undefined } | undefined;
}

interface GroupKind {
  protocol: LbProtocol;
  protocolVersion?: string;
  targetType: TargetType;
}

/**
 * ELB's defaults for a group's health check with `protocol`: Application Load Balancer groups
 * (HTTP, HTTPS) check over their own protocol at `/` every 30 s with a 5 s timeout, 5 to be healthy,
 * 2 to be unhealthy, expecting 200 (gRPC: code 12 at /AWS.ALB/healthcheck); Network Load Balancer
 * groups check over TCP every 30 s, timing out after 10 s (6 s for HTTP checks, which expect 200-399).
 */
export function defaultHealthCheck(group: GroupKind, protocol: HealthCheckProtocol): HealthCheckSettings {
  const alb = isHttpProtocol(group.protocol);
  const grpc = group.protocolVersion === 'GRPC';
  const http = protocol !== 'TCP';
  return {
    enabled: true,
    protocol,
    port: 'traffic-port',
    ...(http && { path: grpc ? '/AWS.ALB/healthcheck' : '/' }),
    intervalSeconds: 30,
    timeoutSeconds: alb ? 5 : protocol === 'HTTP' ? 6 : 10,
    healthyThreshold: 5,
    unhealthyThreshold: 2,
    ...(http && { matcher: grpc ? { GrpcCode: '12' } : { HttpCode: alb ? '200' : '200-399' } }),
  };
}

/**
 * A group's health check after `input`: ELB's defaults (for the protocol asked, or the group's),
 * then what the group had (ModifyTargetGroup), then what the request says, checked as ELB checks it.
 */
export function resolveHealthCheck(
  group: GroupKind,
  current: HealthCheckSettings | undefined,
  input: HealthCheckInput,
): HealthCheckSettings {
  const alb = isHttpProtocol(group.protocol);
  const protocol = healthCheckProtocol(group, input.HealthCheckProtocol ?? current?.protocol);
  const defaults = defaultHealthCheck(group, protocol);
  // A check that changes protocol takes that protocol's path and matcher.
  const base: HealthCheckSettings =
    current && current.protocol === protocol
      ? current
      : current
        ? { ...current, protocol, ...pathAndMatcher(defaults) }
        : defaults;
  const next: HealthCheckSettings = { ...base };
  if (protocol === 'TCP') {
    delete next.path;
    delete next.matcher;
  }
  if (input.HealthCheckEnabled !== undefined) {
    if (!input.HealthCheckEnabled)
      throw validationError(
        `Health checks cannot be disabled for target groups with the target type '${group.targetType}'`,
      );
    next.enabled = true;
  }
  if (input.HealthCheckPort !== undefined) next.port = checkPort(input.HealthCheckPort);
  if (input.HealthCheckPath !== undefined) {
    if (protocol === 'TCP')
      throw validationError(
        'A health check path cannot be specified for health checks with the protocol TCP',
      );
    if (!input.HealthCheckPath.startsWith('/'))
      throw validationError(`Health check path '${input.HealthCheckPath}' must begin with '/'`);
    next.path = input.HealthCheckPath;
  }
  if (input.Matcher !== undefined) {
    if (protocol === 'TCP')
      throw validationError(
        'A health check matcher cannot be specified for health checks with the protocol TCP',
      );
    next.matcher = checkMatcher(group, alb, input.Matcher);
  }
  if (input.HealthCheckIntervalSeconds !== undefined) next.intervalSeconds = input.HealthCheckIntervalSeconds;
  if (input.HealthCheckTimeoutSeconds !== undefined) next.timeoutSeconds = input.HealthCheckTimeoutSeconds;
  if (input.HealthyThresholdCount !== undefined) next.healthyThreshold = input.HealthyThresholdCount;
  if (input.UnhealthyThresholdCount !== undefined) next.unhealthyThreshold = input.UnhealthyThresholdCount;
  if (next.timeoutSeconds >= next.intervalSeconds)
    throw validationError('Health check interval must be greater than the timeout.');
  return next;
}

const pathAndMatcher = (d: HealthCheckSettings) => ({
  ...(d.path !== undefined && { path: d.path }),
  ...(d.matcher !== undefined && { matcher: d.matcher }),
});

function healthCheckProtocol(group: GroupKind, asked: string | undefined): HealthCheckProtocol {
  const alb = isHttpProtocol(group.protocol);
  const protocol = asked ?? (alb ? group.protocol : 'TCP');
  if (protocol !== 'HTTP' && protocol !== 'HTTPS' && protocol !== 'TCP')
    throw validationError(`Health check protocol '${protocol}' is not supported`);
  if (alb && protocol === 'TCP')
    throw validationError(
      `Health check protocol 'TCP' is not supported for target groups with the protocol '${group.protocol}'`,
    );
  return protocol;
}

function checkPort(port: string): string {
  if (port === 'traffic-port') return port;
  if (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535) return String(Number(port));
  throw validationError(`Health check port '${port}' must be 'traffic-port' or a port from 1 to 65535`);
}

/** `200`, `200,202`, `200-299`: HTTP codes from 200 to 499 (Application) or 599 (Network); gRPC 0 to 99. */
function checkMatcher(
  group: GroupKind,
  alb: boolean,
  m: { HttpCode?: string | undefined; GrpcCode?: string | undefined },
): { HttpCode?: string; GrpcCode?: string } {
  const grpc = group.protocolVersion === 'GRPC';
  if (grpc) {
    if (m.HttpCode !== undefined)
      throw validationError('A health check HTTP code matcher cannot be used with the protocol version GRPC');
    if (m.GrpcCode === undefined) throw validationError('A gRPC code matcher must be specified');
    checkCodes(m.GrpcCode, 0, 99, 'gRPC');
    return { GrpcCode: m.GrpcCode };
  }
  if (m.GrpcCode !== undefined)
    throw validationError('A gRPC code matcher can only be used with the protocol version GRPC');
  if (m.HttpCode === undefined) throw validationError('An HTTP code matcher must be specified');
  checkCodes(m.HttpCode, 200, alb ? 499 : 599, 'HTTP');
  return { HttpCode: m.HttpCode };
}

function checkCodes(codes: string, min: number, max: number, kind: string) {
  const fail = () =>
    validationError(
      `Health check matcher ${kind} code '${codes}' must be codes from ${min} to ${max}, separated by commas or as a range (from-to)`,
    );
  for (const part of codes.split(',')) {
    const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(part);
    if (!m) throw fail();
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < min || to > max || from > to) throw fail();
  }
}
