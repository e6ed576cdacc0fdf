/**
 * Whether a write failed because a row with the same key exists: two requests raced to create
 * the same thing (PostgreSQL's 23505; SQLite serializes writers, but says so too).
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
