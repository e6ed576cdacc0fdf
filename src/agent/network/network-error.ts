/** Why a network operation failed; callers branch on `code`, people read `message`. */
export const NetworkErrorCode = {
  /** A subnet or VPC spec is malformed (bad CIDR, subnet outside its VPC, address not usable). */
  InvalidSpec: 'InvalidSpec',
  /** A VPC or subnet CIDR overlaps another VPC or subnet on this host. */
  CidrConflict: 'CidrConflict',
  /** A VPC CIDR overlaps a route the host already has (its LAN, a VPN, docker0 ...). */
  HostRouteConflict: 'HostRouteConflict',
  /** A derived interface name is taken by something else (a hash collision, or not ours). */
  NameCollision: 'NameCollision',
  /** The task's network exists with another address or MAC; it is left alone. */
  TaskNetworkMismatch: 'TaskNetworkMismatch',
  /** The subnet still has task interfaces on its bridge (AWS: DependencyViolation). */
  SubnetInUse: 'SubnetInUse',
  /** `ip` or `nft` failed; the message carries its stderr. */
  CommandFailed: 'CommandFailed',
} as const;

export type NetworkErrorCode = (typeof NetworkErrorCode)[keyof typeof NetworkErrorCode];

/** The one error the network code throws for bad input or a failed host step; bugs throw TypeError. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  readonly code: NetworkErrorCode;
  /** Values that explain the failure (a CIDR, a route, an interface), for logs. */
  readonly data: Readonly<Record<string, unknown>>;

  constructor(
    code: NetworkErrorCode,
    message: string,
    data: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.data = data;
  }
}
