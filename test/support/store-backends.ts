/**
 * The two databases store tests run on, for `describe.each`: SQLite in a file of the test's folder, and PostgreSQL
 * (DATABASE_URL's server, or a throwaway one started in `setup` and stopped in `teardown`).
 */
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from './postgres';

/** One database a store test runs on. */
export interface StoreBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  setup(): Promise<void>;
  /** A fresh database's URL; SQLite's file goes in `dir`. */
  url(dir: string): Promise<string>;
  teardown(): Promise<void>;
}

/** SQLite and PostgreSQL, each with its own lifecycle per test file. */
export function storeBackends(): StoreBackend[] {
  let postgres: TestPostgres | undefined;
  return [
    {
      name: 'SQLite',
      setup: async () => {},
      url: async (dir) => `sqlite:${path.join(dir, 'inventory.sqlite')}`,
      teardown: async () => {},
    },
    {
      name: 'PostgreSQL',
      setup: async () => {
        postgres = await startTestPostgres();
      },
      url: async () => {
        if (!postgres) throw new Error('the PostgreSQL backend was not set up: call setup() in beforeAll');
        return await postgres.createDatabase();
      },
      teardown: async () => await postgres?.stop(),
    },
  ];
}
