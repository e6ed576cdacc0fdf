import { type DelimitedPattern, matchesDelimited, parseDelimitedPattern } from './delimited-pattern.ts';
import { type JsonPattern, matchesJson, parseJsonPattern } from './json-pattern.ts';
import { regexValue } from './pattern-value.ts';
import { matchesTerms, parseTermPattern, type TermPattern } from './term-pattern.ts';

/**
 * A CloudWatch Logs filter pattern, parsed once: everything, terms and phrases (with `?` and
 * `-`, and `%regex%`), a JSON pattern `{ ... }`, or a space-delimited pattern `[ ... ]`.
 */
export type FilterPattern = { kind: 'all' } | TermPattern | JsonPattern | DelimitedPattern;

/** Parses a filter pattern; throws FilterPatternError, in AWS's words, for one AWS refuses. */
export function parseFilterPattern(source: string | undefined): FilterPattern {
  const text = (source ?? '').trim();
  if (text === '' || text === '""') return { kind: 'all' };
  if (text.startsWith('{')) return parseJsonPattern(text);
  if (text.startsWith('[')) return parseDelimitedPattern(text);
  return parseTermPattern(text, (s) => {
    const v = regexValue(s);
    return (v as Extract<typeof v, { kind: 'regex' }>).re;
  });
}

/** Whether an event's message matches the pattern (patterns are case sensitive). */
export function matchesFilter(p: FilterPattern, message: string): boolean {
  switch (p.kind) {
    case 'all':
      return true;
    case 'terms':
      return matchesTerms(p, message);
    case 'json':
      return matchesJson(p, message);
    case 'delimited':
      return matchesDelimited(p, message);
  }
}
