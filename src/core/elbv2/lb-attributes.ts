import { type AttributeSpec, bool, int, oneOf, text } from './attribute-specs.ts';
import type { LbType } from './elbv2-arn.ts';
import type { LbScheme } from './elbv2-records.ts';

/** What the model's documentation lists for every load balancer type neargate runs. */
const COMMON = (scheme: LbScheme): Record<string, AttributeSpec> => ({
  'access_logs.s3.enabled': bool(false),
  'access_logs.s3.bucket': text(),
  'access_logs.s3.prefix': text(),
  'deletion_protection.enabled': bool(false),
  'ipv6.deny_all_igw_traffic': bool(scheme === 'internal'),
  'zonal_shift.config.enabled': bool(false),
});

/** Application Load Balancers' attributes, with ELB's defaults. */
const APPLICATION: Record<string, AttributeSpec> = {
  'client_keep_alive.seconds': int(3600, 60, 604_800),
  'connection_logs.s3.enabled': bool(false),
  'connection_logs.s3.bucket': text(),
  'connection_logs.s3.prefix': text(),
  'health_check_logs.s3.enabled': bool(false),
  'health_check_logs.s3.bucket': text(),
  'health_check_logs.s3.prefix': text(),
  'idle_timeout.timeout_seconds': int(60, 1, 4000),
  // ELB: always on for Application Load Balancers, "and can't be changed".
  'load_balancing.cross_zone.enabled': oneOf('true', ['true']),
  'routing.http.desync_mitigation_mode': oneOf('defensive', ['monitor', 'defensive', 'strictest']),
  'routing.http.drop_invalid_header_fields.enabled': bool(false),
  'routing.http.preserve_host_header.enabled': bool(false),
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': bool(false),
  'routing.http.xff_client_port.enabled': bool(false),
  'routing.http.xff_header_processing.mode': oneOf('append', ['append', 'preserve', 'remove']),
  'routing.http2.enabled': bool(true),
  'waf.fail_open.enabled': bool(false),
};

/** Network Load Balancers' attributes, with ELB's defaults. */
const NETWORK: Record<string, AttributeSpec> = {
  'dns_record.client_routing_policy': oneOf('any_availability_zone', [
    'availability_zone_affinity',
    'partial_availability_zone_affinity',
    'any_availability_zone',
  ]),
  'load_balancing.cross_zone.enabled': bool(false),
  'secondary_ips.auto_assigned.per_subnet': int(0, 0, 7),
};

export function loadBalancerAttributeSpecs(type: LbType, scheme: LbScheme): Record<string, AttributeSpec> {
  return { ...COMMON(scheme), ...(type === 'application' ? APPLICATION : NETWORK) };
}

/** Attributes that would need a part neargate does not have (S3 for logs): they cannot be turned on. */
export const UNSUPPORTED_WHEN_TRUE = [
  'access_logs.s3.enabled',
  'connection_logs.s3.enabled',
  'health_check_logs.s3.enabled',
] as const;

/** Network Load Balancers close idle TCP flows after 350 seconds; ELB does not let it change. */
export const NLB_TCP_IDLE_TIMEOUT_SECONDS = 350;
