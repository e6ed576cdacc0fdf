import { parseArn } from '../arn.ts';

/**
 * Where an ECS container secret (`secrets[].valueFrom`) comes from, as the ECS agent reads it:
 * a Secrets Manager ARN (full or partial), optionally with `:json-key:version-stage:version-id`
 * (each part may be empty), or else a Parameter Store parameter, by ARN or by name (`name:3`
 * picks a version). A bare name is always a parameter, as on ECS.
 */
export type ValueFrom =
  | {
      service: 'secretsmanager';
      /** What GetSecretValue is asked for: the ARN without the key, stage and version parts. */
      secretId: string;
      jsonKey?: string;
      versionStage?: string;
      versionId?: string;
    }
  | { service: 'ssm'; name: string }
  | { service: 'invalid'; reason: string };

/** `secret:<id>` or `secret:<id>:<json-key>:<version-stage>:<version-id>`. */
const PLAIN_PARTS = 2;
const WITH_PARAMETERS_PARTS = 5;

export function parseValueFrom(valueFrom: string): ValueFrom {
  const arn = valueFrom.startsWith('arn:') ? parseArn(valueFrom) : undefined;
  if (arn?.service !== 'secretsmanager') return { service: 'ssm', name: valueFrom };
  const parts = arn.resource.split(':');
  if (parts.length === PLAIN_PARTS) return { service: 'secretsmanager', secretId: valueFrom };
  if (parts.length !== WITH_PARAMETERS_PARTS) {
    return {
      service: 'invalid',
      reason: `trying to retrieve secret with value ${valueFrom} resulted in error: an invalid ARN format for the AWS Secrets Manager secret was specified. Specify a valid ARN and try again.`,
    };
  }
  const [kind, id, jsonKey, versionStage, versionId] = parts as [string, string, string, string, string];
  return {
    service: 'secretsmanager',
    secretId: `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:${kind}:${id}`,
    ...(jsonKey && { jsonKey }),
    ...(versionStage && { versionStage }),
    ...(versionId && { versionId }),
  };
}
