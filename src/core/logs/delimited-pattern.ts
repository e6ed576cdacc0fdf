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

type FieldCondition =
  | { kind: 'compare'; field: string; op: Comparison; value: PatternValue }
  | { kind: 'and'; of: FieldCondition[] }
  | { kind: 'or'; of: FieldCondition[] };

/** One position of the pattern: `...` (any number of fields), or a named field, maybe with a condition. */
type Slot = { kind: 'ellipsis' } | { kind: 'field'; name: string; condition?: FieldCondition };

export interface DelimitedPattern {
  kind: 'delimited';
  slots: Slot[];
}

/**
 * Parses `[ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000]`: one slot per
 * space-delimited field of the event, `...` for any number of fields.
 */
export function parseDelimitedPattern(text: string): DelimitedPattern {
  const r = new PatternReader(text);
  r.expect('[');
  const slots: Slot[] = [];
  for (;;) {
    r.skipSpace();
    if (r.eat(']')) break;
    if (r.eat('...') || r.eat('\u2026')) slots.push({ kind: 'ellipsis' });
    else {
      const condition = parseOr(r);
      const name = firstField(condition);
      slots.push(
        condition.kind === 'compare' && condition.op === '=' && isAny(condition.value)
          ? { kind: 'field', name }
          : { kind: 'field', name, condition },
      );
    }
    r.skipSpace();
    if (r.eat(']')) break;
    r.expect(',');
  }
  r.skipSpace();
  if (!r.done || slots.length === 0) throw invalidPattern();
  return { kind: 'delimited', slots };
}

/** A bare field name parses as `name = *` (any value). */
const isAny = (v: PatternValue) => v.kind === 'string' && !v.quoted && v.text === '' && v.prefix;

function firstField(c: FieldCondition): string {
  return c.kind === 'compare' ? c.field : firstField(c.of[0]!);
}

function parseOr(r: PatternReader): FieldCondition {
  const of = [parseAnd(r)];
  while (r.eat('||')) of.push(parseAnd(r));
  return of.length === 1 ? of[0]! : { kind: 'or', of };
}

function parseAnd(r: PatternReader): FieldCondition {
  const of = [parseCompare(r)];
  while (r.eat('&&')) of.push(parseCompare(r));
  return of.length === 1 ? of[0]! : { kind: 'and', of };
}

function parseCompare(r: PatternReader): FieldCondition {
  r.skipSpace();
  const field = r.bare(',]=!<>&|');
  if (!/^\w+$/.test(field)) throw invalidPattern();
  r.skipSpace();
  let op: Comparison | undefined;
  for (const o of ['!=', '<=', '>=', '=', '<', '>'] as const) {
    if (r.startsWith(o)) {
      op = o;
      r.pos += o.length;
      break;
    }
  }
  if (!op) return { kind: 'compare', field, op: '=', value: stringValue('*', false) };
  r.skipSpace();
  let value: PatternValue;
  if (r.peek() === '"') value = stringValue(r.quoted(), true);
  else if (r.peek() === '%') value = regexValue(r.regex());
  else {
    const text = r.bare(',]&|');
    if (text === '') throw invalidPattern();
    value = bareValue(text);
  }
  if (op !== '=' && op !== '!=' && value.kind !== 'number') throw invalidPattern();
  return { kind: 'compare', field, op, value };
}

/** An event's space-delimited fields: text between `[` and `]` or a pair of `"` is one field. */
export function splitFields(message: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = message.length;
  while (i < n) {
    while (i < n && /\s/.test(message[i]!)) i++;
    if (i >= n) break;
    const open = message[i];
    const close = open === '[' ? ']' : open === '"' ? '"' : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        out.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    const start = i;
    while (i < n && !/\s/.test(message[i]!)) i++;
    out.push(message.slice(start, i));
  }
  return out;
}

function holds(c: FieldCondition, fields: ReadonlyMap<string, string>): boolean {
  switch (c.kind) {
    case 'and':
      return c.of.every((x) => holds(x, fields));
    case 'or':
      return c.of.some((x) => holds(x, fields));
    case 'compare': {
      const v = fields.get(c.field);
      return v !== undefined && compare(v, c.op, c.value);
    }
  }
}

/** Whether the event's fields line up with the slots (trying every way `...` can stretch) and every condition holds. */
export function matchesDelimited(p: DelimitedPattern, message: string): boolean {
  const tokens = splitFields(message);
  const named = new Map<string, string>();
  const conditions = p.slots.flatMap((s) => (s.kind === 'field' && s.condition ? [s.condition] : []));
  const fit = (slot: number, token: number): boolean => {
    if (slot === p.slots.length) {
      return token === tokens.length && conditions.every((c) => holds(c, named));
    }
    const s = p.slots[slot]!;
    if (s.kind === 'ellipsis') {
      for (let t = token; t <= tokens.length; t++) if (fit(slot + 1, t)) return true;
      return false;
    }
    if (token >= tokens.length) return false;
    const before = named.get(s.name);
    named.set(s.name, tokens[token]!);
    if (fit(slot + 1, token + 1)) return true;
    if (before === undefined) named.delete(s.name);
    else named.set(s.name, before);
    return false;
  };
  return fit(0, 0);
}
