import { validationError } from './elbv2-errors.ts';

/** One ELB attribute: its default and what values it takes. */
export interface AttributeSpec {
  readonly default: string;
  /** Why `value` is refused, or undefined when it is fine. */
  problem(value: string): string | undefined;
}

export const bool = (value: boolean): AttributeSpec => ({
  default: String(value),
  problem: (v) => (v === 'true' || v === 'false' ? undefined : "must be 'true' or 'false'"),
});

/** An integer from `min` to `max`, or one of `words` (`off`). */
export const int = (
  value: number | string,
  min: number,
  max: number,
  words: string[] = [],
): AttributeSpec => ({
  default: String(value),
  problem: (v) =>
    words.includes(v) || (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max)
      ? undefined
      : `must be an integer from ${min} to ${max}${words.map((w) => ` or '${w}'`).join('')}`,
});

export const oneOf = (value: string, values: readonly string[]): AttributeSpec => ({
  default: value,
  problem: (v) =>
    values.includes(v) ? undefined : `must be one of ${values.map((x) => `'${x}'`).join(', ')}`,
});

export const text = (value = ''): AttributeSpec => ({ default: value, problem: () => undefined });

/** Every attribute at its default. */
export const defaultsOf = (specs: Readonly<Record<string, AttributeSpec>>): Record<string, string> =>
  Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, s.default]));

/**
 * Attributes after `changes`, each checked against its spec: a key the resource does not have is
 * `not recognized`, a value it does not take is refused with the rule it breaks.
 */
export function applyAttributes(
  kind: 'Load balancer' | 'Target group',
  specs: Readonly<Record<string, AttributeSpec>>,
  current: Readonly<Record<string, string>>,
  changes: readonly { Key?: string | undefined; Value?: string | undefined }[],
): Record<string, string> {
  const next = { ...current };
  for (const { Key: key, Value: value = '' } of changes) {
    if (key === undefined) throw validationError('An attribute key must be specified');
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec) throw validationError(`${kind} attribute key '${key}' is not recognized`);
    const problem = spec.problem(value);
    if (problem) throw validationError(`${kind} attribute '${key}' ${problem}, not '${value}'`);
    next[key] = value;
  }
  return next;
}

/** Attributes as the API lists them: `{Key, Value}`, by key. */
export const attributeList = (attributes: Readonly<Record<string, string>>) =>
  Object.keys(attributes)
    .sort()
    .map((Key) => ({ Key, Value: attributes[Key]! }));
