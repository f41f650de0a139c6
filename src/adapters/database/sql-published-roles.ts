/**
 * The roles a certflow worker publishes (issue 14): its security leads and admins, per task queue, in the inventory
 * database (table `published_roles`, migration 008). The worker writes them when it starts; the CLI and other clients
 * read them, so one configuration decides roles and a client's own environment cannot disagree with the worker.
 * Lists are JSON arrays of principals, instants epoch milliseconds.
 */
import type { Kysely } from 'kysely';
import type { PublishedRoles } from '../../core/domain/lifecycle/roles';
import type { ReadPublishedRoles } from '../../core/ports/published-roles';
import type { InventoryDatabase } from './kysely-inventory-store';

/** Row of `published_roles`. */
interface PublishedRolesTable {
  task_queue: string;
  security_leads: string;
  admins: string;
  published_by: string;
  published_at: number;
}

/** Keeps the roles workers publish in the inventory database. */
export class SqlPublishedRoles {
  private readonly db: Kysely<{ published_roles: PublishedRolesTable }>;

  constructor(options: { readonly db: Kysely<InventoryDatabase> }) {
    // Migration 008 created the table in the inventory database; its own type does not list it.
    this.db = options.db as unknown as Kysely<{ published_roles: PublishedRolesTable }>;
  }

  /**
   * Records the roles the worker of `taskQueue` runs with, replacing what an earlier start published; tells whether
   * the lists differ from those (running lifecycles then have stale rosters to re-read).
   */
  async publish(taskQueue: string, roles: PublishedRoles): Promise<{ changed: boolean }> {
    const before = await this.read(taskQueue);
    const row = {
      security_leads: JSON.stringify(roles.securityLeads),
      admins: JSON.stringify(roles.admins),
      published_by: roles.publishedBy,
      published_at: Date.parse(roles.publishedAt),
    };
    await this.db
      .insertInto('published_roles')
      .values({ task_queue: taskQueue, ...row })
      .onConflict((conflict) => conflict.column('task_queue').doUpdateSet(row))
      .execute();
    const sorted = (list: readonly string[]) => JSON.stringify([...list].sort());
    const sameMembers = (a: readonly string[], b: readonly string[]) => sorted(a) === sorted(b);
    return {
      changed:
        before === null ||
        !sameMembers(before.securityLeads, roles.securityLeads) ||
        !sameMembers(before.admins, roles.admins),
    };
  }

  /** The roles the worker of `taskQueue` last published, or null when none has. */
  async read(taskQueue: string): Promise<PublishedRoles | null> {
    const row = await this.db
      .selectFrom('published_roles')
      .selectAll()
      .where('task_queue', '=', taskQueue)
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      securityLeads: JSON.parse(row.security_leads) as string[],
      admins: JSON.parse(row.admins) as string[],
      publishedBy: row.published_by,
      publishedAt: new Date(Number(row.published_at)).toISOString(),
    };
  }

  /** A reader bound to one task queue, for the campaign client. */
  readerFor(taskQueue: string): ReadPublishedRoles {
    return () => this.read(taskQueue);
  }
}
