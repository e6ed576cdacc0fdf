import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';
import type { LbProtocol } from '../../core/elbv2/elbv2-records.ts';

/** The TLS members of CreateListener and ModifyListener. */
export interface TlsInput {
  SslPolicy?: string | undefined;
  Certificates?: { CertificateArn?: string | undefined }[] | undefined;
  AlpnPolicy?: string[] | undefined;
  MutualAuthentication?: { Mode?: string | undefined } | undefined;
}

/**
 * What a listener's protocol asks for besides its port: HTTPS and TLS listeners need a
 * certificate, and neargate has no certificate manager to hold one, so none is found.
 */
export function checkTlsSettings(protocol: LbProtocol, input: TlsInput): void {
  const tls = protocol === 'HTTPS' || protocol === 'TLS';
  const certificate = input.Certificates?.[0]?.CertificateArn;
  if (tls && certificate === undefined)
    throw validationError(`A certificate must be specified for ${protocol} listeners`);
  if (tls) throw elbError('CertificateNotFound', `Certificate '${certificate}' not found`);
  if (input.Certificates !== undefined && input.Certificates.length > 0)
    throw validationError(`Certificates cannot be specified for ${protocol} listeners`);
  if (input.SslPolicy !== undefined)
    throw validationError(`An SSL policy cannot be specified for ${protocol} listeners`);
  if (input.AlpnPolicy !== undefined && input.AlpnPolicy.length > 0)
    throw validationError(`An ALPN policy cannot be specified for ${protocol} listeners`);
  if (input.MutualAuthentication !== undefined && (input.MutualAuthentication.Mode ?? 'off') !== 'off')
    throw validationError(`Mutual authentication cannot be specified for ${protocol} listeners`);
}

/** ELB's quota of listeners per load balancer. */
export const MAX_LISTENERS = 50;

export const duplicateListener = (lbArn: string) =>
  elbError('DuplicateListener', `A listener already exists on this port for this load balancer '${lbArn}'`);
