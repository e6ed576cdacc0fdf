import { invalidTerm } from './filter-pattern-error.ts';
import { PatternReader } from './pattern-reader.ts';

/** A term of an unstructured pattern: literal text (found anywhere, case sensitive) or a regex. */
export type Term = { kind: 'text'; text: string } | { kind: 'regex'; re: RegExp };

/** Terms that must all appear, of which one must appear (`?term`), and that must not (`-term`). */
export interface TermPattern {
  kind: 'terms';
  all: Term[];
  any: Term[];
  none: Term[];
}

/**
 * Parses `ERROR "Failed to process" ?WARN -DEBUG %time=\d+%`: bare terms hold letters, digits
 * and underscores only (anything else must be quoted, as AWS requires); `-` may stand apart
 * from its term (`"ERROR" - "Exiting"`, as AWS's own example writes it).
 */
export function parseTermPattern(text: string, regexOf: (source: string) => RegExp): TermPattern {
  const r = new PatternReader(text);
  const out: TermPattern = { kind: 'terms', all: [], any: [], none: [] };
  for (;;) {
    r.skipSpace();
    if (r.done) return out;
    let into = out.all;
    if (r.peek() === '?') {
      into = out.any;
      r.pos++;
    } else if (r.peek() === '-') {
      into = out.none;
      r.pos++;
      r.skipSpace();
    }
    if (r.done) throw invalidTerm(text.slice(r.pos - 1));
    if (r.peek() === '"') {
      const phrase = r.quoted();
      if (phrase === '') throw invalidTerm('""');
      into.push({ kind: 'text', text: phrase });
    } else if (r.peek() === '%') {
      into.push({ kind: 'regex', re: regexOf(r.regex()) });
    } else {
      const word = r.bare('');
      if (!/^\w+$/.test(word)) throw invalidTerm(word);
      into.push({ kind: 'text', text: word });
    }
  }
}

const has = (t: Term, message: string) => (t.kind === 'text' ? message.includes(t.text) : t.re.test(message));

export function matchesTerms(p: TermPattern, message: string): boolean {
  return (
    p.all.every((t) => has(t, message)) &&
    (p.any.length === 0 || p.any.some((t) => has(t, message))) &&
    !p.none.some((t) => has(t, message))
  );
}
