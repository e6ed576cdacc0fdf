import type { InputProblem } from './input-validator.ts';

/**
 * The message AWS's Coral front end gives an input that breaks a model constraint, as Secrets
 * Manager, SSM and CloudWatch Logs answer it in a ValidationException:
 * `1 validation error detected: Value '[a, b]' at 'names' failed to satisfy constraint: Member must
 * have length less than or equal to 10`. Members are named as in the request with a lowercase first
 * letter, list items as `filters.1.member.key`, and a sensitive member's value is left out.
 */
export function coralValidationMessage(problem: InputProblem): string {
  return `1 validation error detected: ${coralValidationError(problem)}`;
}

/** One error of the list: `Value 'x' at 'name' failed to satisfy constraint: ...`. */
export function coralValidationError(problem: InputProblem): string {
  const value = problem.sensitive ? 'Value' : `Value ${quote(problem.value)}`;
  return `${value} at '${coralPath(problem.path)}' failed to satisfy constraint: ${problem.message}`;
}

/** `Filters.1.Key` (the validator's path) as Coral names it: `filters.1.member.key`. */
export function coralPath(path: string): string {
  return path
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? `${part}.member` : part.charAt(0).toLowerCase() + part.slice(1)))
    .join('.');
}

/** Java's rendering of the value, as Coral prints it: strings quoted, lists as `[a, b]`, null bare. */
function quote(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  return `'${javaString(v)}'`;
}

function javaString(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(javaString).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${javaString(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}
