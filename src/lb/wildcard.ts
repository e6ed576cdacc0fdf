/**
 * ELB's match strings: `*` matches zero or more characters, `?` exactly one, everything else
 * itself. Compiled once when a plan is applied, so a request only runs the test.
 */

/** A compiled match string. */
export type Matcher = (value: string) => boolean;

const SPECIAL = /[\\^$.|+()[\]{}]/g;

/**
 * Compiles `pattern`. Case-insensitive patterns (host, headers, query strings) match either case;
 * path patterns and methods do not.
 */
export function compileWildcard(pattern: string, options: { caseInsensitive: boolean }): Matcher {
  if (!/[*?]/.test(pattern)) {
    if (!options.caseInsensitive) return (value) => value === pattern;
    const lower = pattern.toLowerCase();
    return (value) => value.length === lower.length && value.toLowerCase() === lower;
  }
  const source = pattern.replace(SPECIAL, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regexp = new RegExp(`^${source}$`, options.caseInsensitive ? 'is' : 's');
  return (value) => regexp.test(value);
}

/** Any of the patterns, as a condition's values are ORed. */
export function compileAny(patterns: readonly string[], options: { caseInsensitive: boolean }): Matcher {
  const matchers = patterns.map((p) => compileWildcard(p, options));
  if (matchers.length === 1) return matchers[0]!;
  return (value) => {
    for (const m of matchers) if (m(value)) return true;
    return false;
  };
}
