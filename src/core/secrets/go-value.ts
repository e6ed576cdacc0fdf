/**
 * A decoded JSON value printed as Go's `fmt.Sprintf("%v", v)` prints it, which is how the ECS
 * agent turns a secret's JSON key into an environment variable: `5432`, `true`, `1.5e+06`,
 * `map[a:1 b:x]`, `[1 2]`, `<nil>`.
 */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return goFloat(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
}

/**
 * Go's %v of a float64 (%g with the shortest digits): an exponent of at least two digits when the
 * decimal exponent is below -4 or at least 6, so a JSON `1000000` becomes `1e+06`.
 */
function goFloat(n: number): string {
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (n !== 0 && (e < -4 || e >= 6)) {
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}
