import { elbError, validationError } from '../../core/elbv2/elbv2-errors.ts';

/** ELB's quota of rules (default rules aside) per Application Load Balancer. */
export const MAX_RULES = 100;

export const priorityInUse = (priority: number) =>
  elbError('PriorityInUse', `Priority '${priority}' is currently in use`);

/** Rule transforms (host header and URL rewrites) are refused: the data plane does not rewrite. */
export function refuseTransforms(transforms: readonly unknown[] | undefined): void {
  if (transforms !== undefined && transforms.length > 0)
    throw validationError('Rule transforms (host-header-rewrite, url-rewrite) are not supported by neargate');
}

/** Network Load Balancer listeners have only their default rule. */
export const noRulesOnNetwork = () =>
  elbError(
    'InvalidConfigurationRequest',
    'Listener rules are not supported for Network Load Balancer listeners',
  );
