import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

/** A handle on the store; repositories take `db` or a transaction from `write`. */
export interface Store {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /** Runs `fn` in one transaction: all of its writes land, or none. */
  write<T>(fn: (tx: Kysely<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type StoreLocation = { sqliteFile: string } | { postgresUrl: string };

/** Opens the store and brings its schema up to date. */
export async function openStore(location: StoreLocation): Promise<Store> {
  const { dialect, db } =
    'sqliteFile' in location ? openSqlite(location.sqliteFile) : openPostgres(location.postgresUrl);
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider(dialect),
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`store migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
  return {
    dialect,
    db,
    write: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  };
}

function openSqlite(file: string) {
  const database = new SQLite(file);
  // WAL lets readers run beside a writer; NORMAL sync keeps every committed write across a
  // killed server (the WAL is in the OS's hands), fsyncing only at checkpoints.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  return {
    dialect: 'sqlite' as const,
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }),
  };
}

const CACHED_STATEMENTS = 256;

/**
 * Kysely prepares every query afresh, and compiling a statement costs SQLite more than running
 * one of ours (about 45 µs against 20 µs for a task read): keep the most recent statements by
 * their SQL. Reuse is safe since better-sqlite3 runs each to completion before the next.
 */
function withStatementCache(database: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string): SQLite.Statement {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
    close: () => database.close(),
  };
}

function openPostgres(url: string) {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: {
      // bigint columns hold epoch milliseconds, which fit a JavaScript number.
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
    } as pg.CustomTypesConfig,
  });
  // An idle connection the server ends (a restart, an administrator) is dropped from the pool,
  // which says so with an 'error' event: without a listener that would end the process.
  pool.on('error', () => {});
  return {
    dialect: 'postgres' as const,
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
  };
}
