import type { PutParameterRequest, PutParameterResult } from '@aws-sdk/client-ssm';
import { checkParameterName, parameterArn } from '../../core/ssm/parameter-name.ts';
import { ssmError } from '../../core/ssm/ssm-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { isUniqueViolation } from '../../store/conflicts.ts';
import { encryptParameterValue } from '../../store/parameter-values.ts';
import {
  dropParameterVersionsBefore,
  getParameter,
  lockParameter,
  type ParameterVersion,
  putParameterVersion,
} from '../../store/ssm-parameters.ts';
import { putTags } from '../../store/tags.ts';
import type { CipherContext } from '../cipher-context.ts';
import { checkParameterTags } from './tag-rules.ts';

/** How many versions a parameter keeps; older ones are forgotten. */
export const MAX_PARAMETER_VERSIONS = 100;

/** Longest value, in characters, per tier. */
const MAX_VALUE = { Standard: 4096, Advanced: 8192 } as const;

const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];

/** The key SecureString parameters name when none is given. */
export const DEFAULT_KEY_ID = 'alias/aws/ssm';

/**
 * Creates a parameter, or with Overwrite adds its next version. What an overwrite leaves out
 * (type, description, key, pattern, data type, tier) stays as the parameter had it.
 */
export async function putParameter(
  ctx: CipherContext,
  input: Wire<PutParameterRequest>,
): Promise<Wire<PutParameterResult>> {
  const name = input.Name!;
  const value = input.Value!;
  checkParameterName(name);
  if (value.length === 0) {
    throw ssmError(
      'ValidationException',
      "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (input.Tags?.length && input.Overwrite) {
    throw ssmError(
      'ValidationException',
      "Tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
    );
  }
  if (input.DataType !== undefined && !DATA_TYPES.includes(input.DataType)) {
    throw ssmError(
      'ValidationException',
      `The following data type is not supported: ${input.DataType} (Data type names are all lowercase.)`,
    );
  }
  const tags = checkParameterTags(input.Tags ?? []);
  return ctx.deps.store.write(async (tx) => {
    await lockParameter(tx, ctx.scope, name);
    const existing = await getParameter(tx, ctx.scope, [name]);
    if (existing && !input.Overwrite) throw alreadyExists();
    const type = input.Type ?? existing?.type;
    if (!type)
      throw ssmError('ValidationException', 'A parameter type is required when you create a parameter.');
    if (input.KeyId !== undefined && type !== 'SecureString') {
      throw ssmError('ValidationException', 'KeyId is required for SecureString type parameter only.');
    }
    const allowedPattern = input.AllowedPattern ?? existing?.allowedPattern;
    if (allowedPattern) checkPattern(allowedPattern, value);
    const tier = tierFor(input, existing, value);
    const version: ParameterVersion = {
      name,
      version: (existing?.version ?? 0) + 1,
      type,
      tier,
      dataType: input.DataType ?? existing?.dataType ?? 'text',
      keyId:
        type === 'SecureString'
          ? (input.KeyId ??
            (existing?.type === 'SecureString' ? existing.keyId : undefined) ??
            DEFAULT_KEY_ID)
          : undefined,
      description: input.Description ?? existing?.description,
      allowedPattern: allowedPattern || undefined,
      policies: input.Policies ?? existing?.policies,
      ciphertext: '',
      modifiedAt: ctx.now,
      modifiedBy: ctx.principalArn,
    };
    version.ciphertext = encryptParameterValue(ctx.cipher, ctx.scope, name, version.version, value);
    try {
      await putParameterVersion(tx, ctx.scope, version);
    } catch (err) {
      // Another request created the parameter meanwhile.
      if (!isUniqueViolation(err)) throw err;
      if (!input.Overwrite) throw alreadyExists();
      throw ssmError(
        'TooManyUpdates',
        "There are concurrent updates for the resource that you're trying to modify. Please try again.",
      );
    }
    await dropParameterVersionsBefore(tx, ctx.scope, name, version.version - MAX_PARAMETER_VERSIONS + 1);
    if (!existing) await putTags(tx, parameterArn(ctx.scope, name), tags);
    return { Version: version.version, Tier: tier as PutParameterResult['Tier'] };
  });
}

/**
 * The tier a version lands in: as asked, or as the parameter was; Intelligent-Tiering picks
 * Standard unless the value or policies need Advanced. A parameter never moves down to Standard.
 */
function tierFor(
  input: Wire<PutParameterRequest>,
  existing: ParameterVersion | undefined,
  value: string,
): 'Standard' | 'Advanced' {
  const asked = input.Tier ?? existing?.tier ?? 'Standard';
  const tier =
    asked === 'Intelligent-Tiering'
      ? value.length > MAX_VALUE.Standard || input.Policies !== undefined || existing?.tier === 'Advanced'
        ? 'Advanced'
        : 'Standard'
      : asked === 'Advanced'
        ? 'Advanced'
        : 'Standard';
  if (existing?.tier === 'Advanced' && tier === 'Standard') {
    throw ssmError(
      'ValidationException',
      "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
    );
  }
  if (value.length > MAX_VALUE[tier]) {
    throw ssmError(
      'ValidationException',
      tier === 'Standard'
        ? 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html'
        : 'Advanced tier parameters support a maximum parameter value of 8192 characters.',
    );
  }
  return tier;
}

/** AllowedPattern is a regular expression the value must match; the message never shows the value. */
function checkPattern(pattern: string, value: string): void {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch {
    throw ssmError(
      'InvalidAllowedPatternException',
      'The allowed pattern is not a valid regular expression.',
    );
  }
  if (!re.test(value)) {
    throw ssmError(
      'ParameterPatternMismatchException',
      `Parameter value, cannot be validated against allowedPattern: ${pattern}`,
    );
  }
}

const alreadyExists = () =>
  ssmError(
    'ParameterAlreadyExists',
    'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
  );
