import type { LbType } from './elbv2-arn.ts';
import { elbError, validationError } from './elbv2-errors.ts';
import type { LbProtocol, TargetGroupRecord } from './elbv2-records.ts';

/** The listener protocols of each load balancer type, as ELB lists them in its messages. */
export const LISTENER_PROTOCOLS: Record<LbType, readonly LbProtocol[]> = {
  application: ['HTTP', 'HTTPS'],
  network: ['UDP', 'TCP', 'TCP_UDP', 'TLS'],
};

/** A listener's protocol, checked against its load balancer's type. */
export function checkListenerProtocol(type: LbType, protocol: string | undefined): LbProtocol {
  if (protocol === undefined) throw validationError('A listener protocol must be specified');
  const allowed = LISTENER_PROTOCOLS[type];
  if (!allowed.includes(protocol as LbProtocol))
    throw validationError(`Listener protocol '${protocol}' must be one of '${allowed.join(', ')}'`);
  return protocol as LbProtocol;
}

/** The target group protocols a listener protocol forwards to. */
const FORWARDS_TO: Record<LbProtocol, readonly LbProtocol[]> = {
  HTTP: ['HTTP', 'HTTPS'],
  HTTPS: ['HTTP', 'HTTPS'],
  TCP: ['TCP', 'TCP_UDP'],
  TLS: ['TCP', 'TLS'],
  UDP: ['UDP', 'TCP_UDP'],
  TCP_UDP: ['TCP_UDP'],
};

/** Refuses a forward to a target group whose protocol the listener cannot speak to. */
export function checkForwardProtocol(listenerProtocol: LbProtocol, tg: TargetGroupRecord): void {
  if (!FORWARDS_TO[listenerProtocol].includes(tg.protocol))
    throw elbError(
      'IncompatibleProtocols',
      `Listener protocol '${listenerProtocol}' is not supported with a target group with the protocol '${tg.protocol}'`,
    );
  if (tg.protocolVersion === 'GRPC' && listenerProtocol !== 'HTTPS')
    throw elbError(
      'InvalidLoadBalancerAction',
      `Listener protocol '${listenerProtocol}' is not supported with a target group with the protocol-version 'GRPC'`,
    );
}
