/**
 * Whether a write failed because a row with the same key exists: two requests raced to create
 * the same thing (PostgreSQL's 23505; SQLite serializes writers, but says so too).
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Runs a write again when it lost a race for a unique key (a name, or a loopback address) to
 * another request: the next attempt sees the winner's row.
 */
export async function retryOnConflict<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 3) throw err;
    }
  }
}
