import { invalidPattern } from './filter-pattern-error.ts';
import { PatternReader } from './pattern-reader.ts';
import {
  bareValue,
  type Comparison,
  compare,
  type PatternValue,
  regexValue,
  stringValue,
} from './pattern-value.ts';

/** One step of a selector: `.name` or `[index]`. */
type Step = string | number;

/** A condition on one JSON property. */
type Condition =
  | { kind: 'compare'; path: Step[]; op: Comparison; value: PatternValue }
  | { kind: 'is'; path: Step[]; what: 'NULL' | 'TRUE' | 'FALSE' }
  | { kind: 'exists'; path: Step[]; exists: boolean };

export type JsonExpr = Condition | { kind: 'and'; of: JsonExpr[] } | { kind: 'or'; of: JsonExpr[] };

export interface JsonPattern {
  kind: 'json';
  expr: JsonExpr;
}

/**
 * Parses `{ $.level = "error" && ($.latency > 100 || $.user.id IS NULL) }`: `&&` binds tighter
 * than `||`, parentheses group; a condition is a selector (`$.a.b[0].c`) with `=`, `!=`, `<`,
 * `>`, `<=`, `>=` and a value, or `IS NULL`, `IS TRUE`, `IS FALSE`, `EXISTS`, `NOT EXISTS`.
 */
export function parseJsonPattern(text: string): JsonPattern {
  const r = new PatternReader(text);
  r.expect('{');
  const expr = parseOr(r);
  r.expect('}');
  r.skipSpace();
  if (!r.done) throw invalidPattern();
  return { kind: 'json', expr };
}

function parseOr(r: PatternReader): JsonExpr {
  const of = [parseAnd(r)];
  while (r.eat('||')) of.push(parseAnd(r));
  return of.length === 1 ? of[0]! : { kind: 'or', of };
}

function parseAnd(r: PatternReader): JsonExpr {
  const of = [parseUnary(r)];
  while (r.eat('&&')) of.push(parseUnary(r));
  return of.length === 1 ? of[0]! : { kind: 'and', of };
}

function parseUnary(r: PatternReader): JsonExpr {
  if (r.eat('(')) {
    const inner = parseOr(r);
    r.expect(')');
    return inner;
  }
  const path = parseSelector(r);
  r.skipSpace();
  if (r.startsWith('IS ') || r.startsWith('IS\t')) {
    r.pos += 2;
    r.skipSpace();
    const what = r.bare('()}&|');
    if (what !== 'NULL' && what !== 'TRUE' && what !== 'FALSE') throw invalidPattern();
    return { kind: 'is', path, what };
  }
  if (r.startsWith('NOT ')) {
    r.pos += 3;
    r.skipSpace();
    if (r.bare('()}&|') !== 'EXISTS') throw invalidPattern();
    return { kind: 'exists', path, exists: false };
  }
  if (r.startsWith('EXISTS')) {
    r.pos += 'EXISTS'.length;
    return { kind: 'exists', path, exists: true };
  }
  const op = parseComparison(r);
  const value = parseValue(r);
  // <, >, <= and >= compare numbers only.
  if (op !== '=' && op !== '!=' && value.kind !== 'number') throw invalidPattern();
  return { kind: 'compare', path, op, value };
}

/** `$`, then `.name` (letters, digits, `-`, `_`) and `[n]` steps. */
function parseSelector(r: PatternReader): Step[] {
  r.skipSpace();
  if (r.peek() !== '$') throw invalidPattern();
  r.pos++;
  const path: Step[] = [];
  for (;;) {
    if (r.peek() === '.') {
      r.pos++;
      const start = r.pos;
      while (/[\w-]/.test(r.peek())) r.pos++;
      if (r.pos === start) throw invalidPattern();
      path.push(r.text.slice(start, r.pos));
    } else if (r.peek() === '[') {
      const end = r.text.indexOf(']', r.pos);
      const index = end < 0 ? '' : r.text.slice(r.pos + 1, end);
      if (!/^\d+$/.test(index)) throw invalidPattern();
      path.push(Number(index));
      r.pos = end + 1;
    } else break;
  }
  if (path.length === 0) throw invalidPattern();
  return path;
}

function parseComparison(r: PatternReader): Comparison {
  r.skipSpace();
  for (const op of ['!=', '<=', '>=', '=', '<', '>'] as const) {
    if (r.startsWith(op)) {
      r.pos += op.length;
      return op;
    }
  }
  throw invalidPattern();
}

function parseValue(r: PatternReader): PatternValue {
  r.skipSpace();
  if (r.peek() === '"') return stringValue(r.quoted(), true);
  if (r.peek() === '%') return regexValue(r.regex());
  const text = r.bare('()}&|"');
  if (text === '') throw invalidPattern();
  // Unicode and characters such as `@`, `$` and `\` must be quoted (AWS's rule for JSON values).
  if (/[^\w.*:/+-]/.test(text)) throw invalidPattern();
  return bareValue(text);
}

const MISSING = Symbol('missing');

function lookup(doc: unknown, path: readonly Step[]): unknown {
  let at: unknown = doc;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(at) || step >= at.length) return MISSING;
      at = at[step];
    } else {
      if (typeof at !== 'object' || at === null || Array.isArray(at) || !Object.hasOwn(at, step))
        return MISSING;
      at = (at as Record<string, unknown>)[step];
    }
  }
  return at;
}

function evaluate(e: JsonExpr, doc: unknown): boolean {
  switch (e.kind) {
    case 'and':
      return e.of.every((x) => evaluate(x, doc));
    case 'or':
      return e.of.some((x) => evaluate(x, doc));
    case 'exists':
      return (lookup(doc, e.path) !== MISSING) === e.exists;
    case 'is': {
      const v = lookup(doc, e.path);
      return e.what === 'NULL' ? v === null : v === (e.what === 'TRUE');
    }
    case 'compare': {
      const v = lookup(doc, e.path);
      // The selector must reach a value: arrays, objects, null and absent properties match neither = nor !=.
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return false;
      // A JSON number compared with a quoted string: the documented `{ $.user.id = 1 }` is numeric.
      return compare(v, e.op, e.value);
    }
  }
}

/** Whether an event's message is a JSON document the pattern matches. */
export function matchesJson(p: JsonPattern, message: string): boolean {
  const trimmed = message.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return false;
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    return false;
  }
  return evaluate(p.expr, doc);
}
