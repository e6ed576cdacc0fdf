import { invalidPattern } from './filter-pattern-error.ts';

/**
 * The right-hand side of a JSON or space-delimited condition: a string (quoted or bare, with `*`
 * at its start or end as a wildcard), a number, or a `%regex%`.
 */
export type PatternValue =
  | { kind: 'string'; text: string; prefix: boolean; suffix: boolean; quoted: boolean }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'regex'; re: RegExp; source: string };

export type Comparison = '=' | '!=' | '<' | '>' | '<=' | '>=';

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A bare (unquoted) value: a number when it reads as one, else a string with its wildcards. */
export function bareValue(text: string): PatternValue {
  if (NUMBER.test(text)) return { kind: 'number', value: Number(text), text };
  return stringValue(text, false);
}

export function stringValue(text: string, quoted: boolean): PatternValue {
  // `*Event` and `Event*` are wildcards; `Ev*ent` is the literal text (the documented rule).
  const prefix = text.length > 0 && text.startsWith('*');
  const rest = prefix ? text.slice(1) : text;
  const suffix = rest.length > 0 && rest.endsWith('*');
  return { kind: 'string', text: suffix ? rest.slice(0, -1) : rest, prefix, suffix, quoted };
}

/** `%...%`: AWS's regex subset, which has no groups and no multi-byte characters. */
export function regexValue(source: string): PatternValue {
  if (/[()]/.test(source) || [...source].some((c) => c.charCodeAt(0) > 0x7f)) throw invalidPattern();
  try {
    return { kind: 'regex', re: new RegExp(source), source };
  } catch {
    throw invalidPattern();
  }
}

/** Whether a string matches a string value (its wildcards honoured). */
export function matchesString(v: Extract<PatternValue, { kind: 'string' }>, s: string): boolean {
  if (v.prefix && v.suffix) return s.includes(v.text);
  if (v.prefix) return s.endsWith(v.text);
  if (v.suffix) return s.startsWith(v.text);
  return s === v.text;
}

/**
 * Compares an extracted value (a JSON scalar, or a space-delimited field's text) with a pattern
 * value. Ordering needs numbers on both sides; equality compares numbers as numbers and
 * anything else as text.
 */
export function compare(actual: string | number | boolean, op: Comparison, v: PatternValue): boolean {
  if (op === '=' || op === '!=') {
    const equal = equals(actual, v);
    return op === '=' ? equal : !equal;
  }
  if (v.kind !== 'number') return false;
  const n =
    typeof actual === 'number'
      ? actual
      : typeof actual === 'string' && NUMBER.test(actual)
        ? Number(actual)
        : NaN;
  if (Number.isNaN(n)) return false;
  switch (op) {
    case '<':
      return n < v.value;
    case '>':
      return n > v.value;
    case '<=':
      return n <= v.value;
    case '>=':
      return n >= v.value;
  }
}

function equals(actual: string | number | boolean, v: PatternValue): boolean {
  const text = String(actual);
  switch (v.kind) {
    case 'number':
      if (typeof actual === 'number') return actual === v.value;
      if (typeof actual === 'string' && NUMBER.test(actual)) return Number(actual) === v.value;
      return text === v.text;
    case 'regex':
      return v.re.test(text);
    case 'string':
      return matchesString(v, text);
  }
}
