import pg from 'pg';

/** A place for a test server's store: SQLite in its data dir, or a fresh PostgreSQL database. */
export interface StorePlace {
  dialect: 'sqlite' | 'postgres';
  /** Skip reason, when the dialect cannot run here. */
  skip: string | false;
  /** The database URL to start the server with (PostgreSQL), made on first use. */
  databaseUrl(): Promise<string | undefined>;
  drop(): Promise<void>;
}

/** SQLite always; PostgreSQL when NEARGATE_TEST_POSTGRES_URL names a server (npm test sets it). */
export function storePlaces(tag: string): StorePlace[] {
  const adminUrl = process.env.NEARGATE_TEST_POSTGRES_URL;
  const name = `neargate_${tag}_${process.pid}`;
  let made = false;
  return [
    { dialect: 'sqlite', skip: false, databaseUrl: async () => undefined, drop: async () => {} },
    {
      dialect: 'postgres',
      skip: adminUrl ? false : 'needs a PostgreSQL server: set NEARGATE_TEST_POSTGRES_URL (npm test does)',
      async databaseUrl() {
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.query(`create database ${name}`);
        await admin.end();
        made = true;
        const url = new URL(adminUrl!);
        url.pathname = `/${name}`;
        return url.toString();
      },
      async drop() {
        if (!made) return;
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    },
  ];
}
