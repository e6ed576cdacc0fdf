import { elbError } from '../../core/elbv2/elbv2-errors.ts';
import type { Operation } from '../operation.ts';
import type { ApiService } from '../protocol/api-service.ts';
import { coralValidationMessage } from '../protocol/coral-validation.ts';
import { InputValidator } from '../protocol/input-validator.ts';
import { loadServiceModel } from '../protocol/service-model.ts';
import { addTags } from './add-tags.ts';
import { createListener } from './create-listener.ts';
import { createLoadBalancer } from './create-load-balancer.ts';
import { createRule } from './create-rule.ts';
import { createTargetGroup } from './create-target-group.ts';
import { deleteListener } from './delete-listener.ts';
import { deleteLoadBalancer } from './delete-load-balancer.ts';
import { deleteRule } from './delete-rule.ts';
import { deleteTargetGroup } from './delete-target-group.ts';
import { deregisterTargets } from './deregister-targets.ts';
import { describeAccountLimits } from './describe-account-limits.ts';
import { describeListeners } from './describe-listeners.ts';
import { describeLoadBalancerAttributes } from './describe-load-balancer-attributes.ts';
import { describeLoadBalancers } from './describe-load-balancers.ts';
import { describeRules } from './describe-rules.ts';
import { describeTags } from './describe-tags.ts';
import { describeTargetGroupAttributes } from './describe-target-group-attributes.ts';
import { describeTargetGroups } from './describe-target-groups.ts';
import { describeTargetHealth } from './describe-target-health.ts';
import { modifyListener } from './modify-listener.ts';
import { modifyLoadBalancerAttributes } from './modify-load-balancer-attributes.ts';
import { modifyRule } from './modify-rule.ts';
import { modifyTargetGroup } from './modify-target-group.ts';
import { modifyTargetGroupAttributes } from './modify-target-group-attributes.ts';
import { registerTargets } from './register-targets.ts';
import { removeTags } from './remove-tags.ts';
import { setRulePriorities } from './set-rule-priorities.ts';

/** The ELBv2 operations neargate implements; the rest of the model answers InvalidAction. */
export const ELBV2_OPERATIONS: Readonly<Record<string, Operation>> = {
  AddTags: addTags,
  CreateListener: createListener,
  CreateLoadBalancer: createLoadBalancer,
  CreateRule: createRule,
  CreateTargetGroup: createTargetGroup,
  DeleteListener: deleteListener,
  DeleteLoadBalancer: deleteLoadBalancer,
  DeleteRule: deleteRule,
  DeleteTargetGroup: deleteTargetGroup,
  DeregisterTargets: deregisterTargets,
  DescribeAccountLimits: describeAccountLimits,
  DescribeListeners: describeListeners,
  DescribeLoadBalancerAttributes: describeLoadBalancerAttributes,
  DescribeLoadBalancers: describeLoadBalancers,
  DescribeRules: describeRules,
  DescribeTags: describeTags,
  DescribeTargetGroupAttributes: describeTargetGroupAttributes,
  DescribeTargetGroups: describeTargetGroups,
  DescribeTargetHealth: describeTargetHealth,
  ModifyListener: modifyListener,
  ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
  ModifyRule: modifyRule,
  ModifyTargetGroup: modifyTargetGroup,
  ModifyTargetGroupAttributes: modifyTargetGroupAttributes,
  RegisterTargets: registerTargets,
  RemoveTags: removeTags,
  SetRulePriorities: setRulePriorities,
};

/** Elastic Load Balancing v2 (awsQuery, API version 2015-12-01, signed for `elasticloadbalancing`). */
export function elbv2Service(): ApiService {
  const model = loadServiceModel('elbv2');
  return {
    protocol: 'awsQuery',
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix,
    validator: new InputValidator(model),
    operations: ELBV2_OPERATIONS,
    // ELB answers model constraints in Coral's words, as a ValidationError.
    inputError: (_op, problem) => elbError('ValidationError', coralValidationMessage(problem)),
    serverError: () =>
      elbError(
        'InternalFailure',
        'The request processing has failed because of an unknown error, exception or failure.',
      ),
  };
}
