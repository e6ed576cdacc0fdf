import { checkParameterPath, isUnderPath } from './parameter-name.ts';
import { ssmError } from './ssm-errors.ts';

/** What Parameter Store filters look at in a parameter. */
export interface FilterableParameter {
  name: string;
  type: string;
  keyId: string | undefined;
  tier: string;
  dataType: string;
  tags: readonly { key: string; value: string }[];
}

export interface ParameterStringFilter {
  Key?: string | undefined;
  Option?: string | undefined;
  Values?: readonly string[] | undefined;
}

type Predicate = (p: FilterableParameter) => boolean;

/** DescribeParameters takes these keys (and `tag:<key>`); GetParametersByPath fewer. */
const KEYS = {
  describe: ['Path', 'Name', 'Type', 'KeyId', 'Tier', 'DataType'],
  byPath: ['Type', 'KeyId', 'Label'],
} as const;

const TYPES = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];

/**
 * The ParameterFilters of DescribeParameters or GetParametersByPath as one predicate, after
 * checking them as AWS does (keys, options, values, duplicates) with its words.
 */
export function parameterFilter(
  filters: readonly ParameterStringFilter[],
  operation: 'describe' | 'byPath',
): Predicate {
  const valid: readonly string[] = KEYS[operation];
  const seen = new Set<string>();
  const checks = filters.map((f) => {
    const key = f.Key ?? '';
    if (!key.startsWith('tag:') && !valid.includes(key)) {
      throw ssmError(
        'ValidationException',
        `The following filter key is not valid: ${key}. Valid filter keys include: [${valid.join(', ')}]`,
      );
    }
    if (seen.has(key)) {
      throw ssmError(
        'ValidationException',
        `The following filter is duplicated in the request: ${key}. A request can contain only one occurrence of a specific filter.`,
      );
    }
    seen.add(key);
    const values = f.Values ?? [];
    if (values.length === 0 && !key.startsWith('tag:')) {
      throw ssmError(
        'ValidationException',
        `The following filter values are missing : null for filter key ${key}`,
      );
    }
    return filterOf(key, f.Option, values);
  });
  return (p) => checks.every((c) => c(p));
}

/** DescribeParameters' older `Filters` (Name, Type, KeyId), which cannot be mixed with ParameterFilters. */
export function legacyParameterFilter(
  filters: readonly { Key?: string | undefined; Values?: readonly string[] | undefined }[],
): Predicate {
  const checks = filters.map((f) => {
    const values = f.Values ?? [];
    switch (f.Key) {
      case 'Name':
        return (p: FilterableParameter) => values.some((v) => bare(p.name).startsWith(bare(v)));
      case 'Type':
        return (p: FilterableParameter) => values.includes(p.type);
      default:
        return (p: FilterableParameter) => p.keyId !== undefined && values.includes(p.keyId);
    }
  });
  return (p) => checks.every((c) => c(p));
}

function filterOf(key: string, option: string | undefined, values: readonly string[]): Predicate {
  const options = (allowed: string[], fallback: string): string => {
    const o = option ?? fallback;
    if (!allowed.includes(o)) {
      throw ssmError(
        'InvalidFilterOption',
        `The following filter option is not valid: ${o}. Valid options include: [${allowed.join(', ')}].`,
      );
    }
    return o;
  };
  const oneOf = (allowed: string[]) => {
    for (const v of values) {
      if (!allowed.includes(v)) {
        throw ssmError(
          'InvalidFilterValue',
          `The following filter value is not valid: ${v}. Valid values include: [${allowed.join(', ')}].`,
        );
      }
    }
  };
  const text = (o: string, subject: string, v: string) =>
    o === 'BeginsWith' ? subject.startsWith(v) : o === 'Contains' ? subject.includes(v) : subject === v;

  if (key.startsWith('tag:')) {
    const o = options(['Equals', 'BeginsWith'], 'Equals');
    const tagKey = key.slice('tag:'.length);
    return (p) => {
      const tag = p.tags.find((t) => t.key === tagKey);
      return tag !== undefined && (values.length === 0 || values.some((v) => text(o, tag.value, v)));
    };
  }
  switch (key) {
    case 'Path': {
      const o = options(['Recursive', 'OneLevel'], 'OneLevel');
      for (const v of values) {
        checkParameterPath(v);
        const first = v.slice(1).split('/')[0]!.toLowerCase();
        if (first.startsWith('aws') || first.startsWith('ssm')) {
          throw ssmError(
            'ValidationException',
            'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
          );
        }
      }
      return (p) => values.some((v) => isUnderPath(p.name, v, o === 'Recursive'));
    }
    case 'Name': {
      const o = options(['Equals', 'BeginsWith', 'Contains'], 'Equals');
      return (p) => values.some((v) => text(o, bare(p.name), bare(v)));
    }
    case 'Type': {
      options(['Equals'], 'Equals');
      oneOf(TYPES);
      return (p) => values.includes(p.type);
    }
    case 'Tier': {
      options(['Equals'], 'Equals');
      oneOf(TIERS);
      return (p) => values.includes(p.tier);
    }
    case 'DataType': {
      options(['Equals'], 'Equals');
      return (p) => values.includes(p.dataType);
    }
    case 'KeyId': {
      const o = options(['Equals', 'BeginsWith'], 'Equals');
      return (p) => p.keyId !== undefined && values.some((v) => text(o, p.keyId!, v));
    }
    // Labels are not kept: no parameter has one.
    case 'Label':
      options(['Equals'], 'Equals');
      return () => false;
    default:
      throw new RangeError(`unchecked filter key ${key}`);
  }
}

/** Names match with or without their leading slash, as `foo` and `/foo` share an ARN. */
const bare = (name: string) => (name.startsWith('/') ? name.slice(1) : name);
