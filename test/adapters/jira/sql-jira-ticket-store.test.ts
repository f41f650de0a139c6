import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import { InMemoryJiraTicketStore, type JiraTicketStore } from '../../../src/adapters/jira/jira-ticket-store';
import { SqlJiraTicketStore } from '../../../src/adapters/jira/sql-jira-ticket-store';
import { startTestPostgres, type TestPostgres } from '../../support/postgres';

/** A store the tests open fresh per test. */
interface Backend {
  readonly name: string;
  setup(): Promise<void>;
  open(): Promise<{ store: JiraTicketStore; reopen: () => JiraTicketStore; close: () => Promise<void> }>;
  teardown(): Promise<void>;
}

function sqlBackend(name: string, url: () => Promise<string>): Backend {
  return {
    name,
    setup: async () => {},
    async open() {
      const handle: InventoryDatabaseHandle = await openInventoryDatabase({ url: await url() });
      return {
        store: new SqlJiraTicketStore({ db: handle.db, nowMs: () => 1_000 }),
        reopen: () => new SqlJiraTicketStore({ db: handle.db }),
        close: () => handle.store.close(),
      };
    },
    teardown: async () => {},
  };
}

let postgres: TestPostgres | undefined;
const backends: Backend[] = [
  {
    name: 'memory',
    setup: async () => {},
    async open() {
      const store = new InMemoryJiraTicketStore();
      return { store, reopen: () => store, close: async () => {} };
    },
    teardown: async () => {},
  },
  sqlBackend('SQLite', async () => ':memory:'),
  {
    ...sqlBackend('PostgreSQL', () => postgres!.createDatabase()),
    async setup() {
      postgres = await startTestPostgres();
    },
    async teardown() {
      await postgres?.stop();
    },
  },
];

const ticket = (key: string) => ({ key, url: `https://jira.example.com/browse/${key}` });

describe.each(backends)('Jira ticket store on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('R-MON-2: keeps the first ticket of a cycle key, also for a second store on the same database', async () => {
    const { store, reopen, close } = await backend.open();
    try {
      expect(await store.findTicket('wf/c1/ticket')).toBeUndefined();
      expect(await store.saveTicket('wf/c1/ticket', ticket('CHG-1'))).toEqual(ticket('CHG-1'));
      expect(await store.saveTicket('wf/c1/ticket', ticket('CHG-2'))).toEqual(ticket('CHG-1'));
      expect(await reopen().findTicket('wf/c1/ticket')).toEqual(ticket('CHG-1'));
      expect(await store.findTicket('wf/c2/ticket')).toBeUndefined();
    } finally {
      await close();
    }
  });

  it('R-MON-2: keeps the time of the first attempt to create a cycle ticket, apart from applied keys', async () => {
    const { store, reopen, close } = await backend.open();
    try {
      expect(await store.noteCreateAttempt('wf/c1/ticket', 5_000)).toBe(5_000);
      expect(await reopen().noteCreateAttempt('wf/c1/ticket', 9_000)).toBe(5_000);
      expect(await store.noteCreateAttempt('wf/c2/ticket', 9_000)).toBe(9_000);
      expect(await store.isApplied('wf/c1/ticket')).toBe(false);
    } finally {
      await close();
    }
  });

  it('R-LOG-1: records an applied key once', async () => {
    const { store, reopen, close } = await backend.open();
    try {
      expect(await store.isApplied('wf/c1/comment/issued')).toBe(false);
      await store.markApplied('wf/c1/comment/issued', 'CHG-1', 'comment');
      await store.markApplied('wf/c1/comment/issued', 'CHG-1', 'comment');
      expect(await reopen().isApplied('wf/c1/comment/issued')).toBe(true);
      expect(await store.isApplied('wf/c1/comment/verified')).toBe(false);
    } finally {
      await close();
    }
  });
});
