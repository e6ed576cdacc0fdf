import type { Parameter, ParameterHistory, ParameterMetadata } from '@aws-sdk/client-ssm';
import type { Scope } from '../../core/scope.ts';
import { parameterArn } from '../../core/ssm/parameter-name.ts';
import { epochSeconds, type Wire } from '../../core/wire.ts';
import type { ParameterVersion } from '../../store/ssm-parameters.ts';
import type { CipherContext } from '../cipher-context.ts';
import { shownValue } from './parameter-value.ts';

/** A parameter as GetParameter(s) and GetParametersByPath answer it. */
export function parameterView(
  ctx: CipherContext,
  scope: Scope,
  v: ParameterVersion,
  opts: { withDecryption: boolean | undefined; selector?: string | undefined },
): Wire<Parameter> {
  return {
    Name: v.name,
    Type: v.type as Parameter['Type'],
    Value: shownValue(ctx.cipher, scope, v, opts.withDecryption),
    Version: v.version,
    ...(opts.selector !== undefined && { Selector: opts.selector }),
    LastModifiedDate: epochSeconds(v.modifiedAt),
    ARN: parameterArn(scope, v.name),
    DataType: v.dataType,
  };
}

/** A parameter as DescribeParameters answers it: no value. */
export function metadataView(scope: Scope, v: ParameterVersion): Wire<ParameterMetadata> {
  return {
    Name: v.name,
    ARN: parameterArn(scope, v.name),
    Type: v.type as ParameterMetadata['Type'],
    ...(v.keyId !== undefined && { KeyId: v.keyId }),
    LastModifiedDate: epochSeconds(v.modifiedAt),
    LastModifiedUser: v.modifiedBy,
    ...(v.description !== undefined && { Description: v.description }),
    ...(v.allowedPattern !== undefined && { AllowedPattern: v.allowedPattern }),
    Version: v.version,
    Tier: v.tier as ParameterMetadata['Tier'],
    Policies: [],
    DataType: v.dataType,
  };
}

/** One version as GetParameterHistory answers it. */
export function historyView(
  ctx: CipherContext,
  scope: Scope,
  v: ParameterVersion,
  withDecryption: boolean | undefined,
): Wire<ParameterHistory> {
  return {
    Name: v.name,
    Type: v.type as ParameterHistory['Type'],
    ...(v.keyId !== undefined && { KeyId: v.keyId }),
    LastModifiedDate: epochSeconds(v.modifiedAt),
    LastModifiedUser: v.modifiedBy,
    ...(v.description !== undefined && { Description: v.description }),
    Value: shownValue(ctx.cipher, scope, v, withDecryption),
    ...(v.allowedPattern !== undefined && { AllowedPattern: v.allowedPattern }),
    Version: v.version,
    Labels: [],
    Tier: v.tier as ParameterHistory['Tier'],
    Policies: [],
    DataType: v.dataType,
  };
}
