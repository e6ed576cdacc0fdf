import { errorFactory } from '../service-error.ts';

/**
 * The ELBv2 error codes neargate answers, as the wire carries them (the model's `error.code`,
 * not its shape names: `LoadBalancerNotFound` is the shape `LoadBalancerNotFoundException`),
 * with ValidationError, which ELB answers for input it refuses and the model does not list.
 */
export const Elbv2Errors = {
  ValidationError: { status: 400, fault: 'client' },
  AllocationIdNotFound: { status: 400, fault: 'client' },
  DuplicateListener: { status: 400, fault: 'client' },
  DuplicateLoadBalancerName: { status: 400, fault: 'client' },
  DuplicateTagKeys: { status: 400, fault: 'client' },
  DuplicateTargetGroupName: { status: 400, fault: 'client' },
  IncompatibleProtocols: { status: 400, fault: 'client' },
  InvalidConfigurationRequest: { status: 400, fault: 'client' },
  InvalidLoadBalancerAction: { status: 400, fault: 'client' },
  InvalidScheme: { status: 400, fault: 'client' },
  InvalidSecurityGroup: { status: 400, fault: 'client' },
  InvalidSubnet: { status: 400, fault: 'client' },
  InvalidTarget: { status: 400, fault: 'client' },
  ListenerNotFound: { status: 400, fault: 'client' },
  LoadBalancerNotFound: { status: 400, fault: 'client' },
  OperationNotPermitted: { status: 400, fault: 'client' },
  PriorityInUse: { status: 400, fault: 'client' },
  ResourceInUse: { status: 400, fault: 'client' },
  RuleNotFound: { status: 400, fault: 'client' },
  SSLPolicyNotFound: { status: 400, fault: 'client' },
  CertificateNotFound: { status: 400, fault: 'client' },
  SubnetNotFound: { status: 400, fault: 'client' },
  TargetGroupAssociationLimit: { status: 400, fault: 'client' },
  TargetGroupNotFound: { status: 400, fault: 'client' },
  TooManyActions: { status: 400, fault: 'client' },
  TooManyListeners: { status: 400, fault: 'client' },
  TooManyLoadBalancers: { status: 400, fault: 'client' },
  TooManyRules: { status: 400, fault: 'client' },
  TooManyTags: { status: 400, fault: 'client' },
  TooManyTargetGroups: { status: 400, fault: 'client' },
  TooManyTargets: { status: 400, fault: 'client' },
  TooManyUniqueTargetGroupsPerLoadBalancer: { status: 400, fault: 'client' },
  UnsupportedProtocol: { status: 400, fault: 'client' },
  InternalFailure: { status: 500, fault: 'server' },
} as const;

export type Elbv2ErrorCode = keyof typeof Elbv2Errors;

export const elbError = errorFactory(Elbv2Errors);

/** `ValidationError`, the code ELB answers most refusals with. */
export const validationError = (message: string) => elbError('ValidationError', message);
