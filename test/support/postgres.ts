/**
 * PostgreSQL for tests. With `DATABASE_URL=postgres://…` the tests use that server; otherwise each test file
 * starts a throwaway server of its own (scripts/provision-postgres.js: initdb into a temp folder, trust auth, fsync
 * off, 127.0.0.1 on a free port) and removes it afterwards. Either way every database a test asks for is created fresh and dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgres } from '../../scripts/provision-postgres';

/** A PostgreSQL server for one test file. */
export interface TestPostgres {
  /** Creates an empty database and returns its URL; it is dropped by {@link TestPostgres.stop}. */
  createDatabase(): Promise<string>;
  /** Drops the databases created here and, for a throwaway server, stops it and deletes its files. */
  stop(): Promise<void>;
}

/** `DATABASE_URL` when it names a PostgreSQL server, else a throwaway server started for this file. */
export async function startTestPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const external = env.DATABASE_URL;
  if (external !== undefined && /^postgres(ql)?:\/\//.test(external))
    return databasesOn(external, () => Promise.resolve());
  const server = await startPostgres();
  return databasesOn(server.url, server.stop);
}

/** Hands out fresh databases on the server at `adminUrl` and drops them all on stop. */
function databasesOn(adminUrl: string, stopServer: () => Promise<void>): TestPostgres {
  const created: string[] = [];
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    async createDatabase() {
      const name = `certflow_test_${randomBytes(6).toString('hex')}`;
      await admin((client) => client.query(`create database ${name}`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      try {
        if (created.length > 0) {
          await admin(async (client) => {
            for (const name of created.splice(0)) {
              // WITH (FORCE) needs PostgreSQL 13; older servers drop once the store has closed its connections.
              await client
                .query(`drop database if exists ${name} with (force)`)
                .catch(() => client.query(`drop database if exists ${name}`));
            }
          });
        }
      } finally {
        await stopServer();
      }
    },
  };
}
