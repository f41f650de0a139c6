/** Owner groups on the inventory database (R-OWN-1). */
import type { Selectable } from 'kysely';
import type { OwnerGroup, Person } from '../../core/domain/inventory/model';
import { InventoryInputError } from '../../core/ports/inventory-errors';
import { checkBoolean, checkList, requireText } from './inventory-input';
import type { OwnerGroupsTable } from './inventory-schema';
import type { InventorySql } from './inventory-sql';
import type { OwnerGroupStore } from '../../core/ports/inventory-store';

/** Owner groups on `owner_groups`, their people and settings as JSON columns. */
export class SqlOwnerGroupStore implements OwnerGroupStore {
  constructor(private readonly inventory: InventorySql) {}

  async upsertOwnerGroup(group: OwnerGroup): Promise<'created' | 'updated'> {
    const row = ownerGroupRow(group);
    return await this.inventory.write(async (db) => {
      const existing = await db.selectFrom('owner_groups').select('id').where('id', '=', row.id).executeTakeFirst();
      if (existing === undefined) {
        await db.insertInto('owner_groups').values(row).execute();
        return 'created';
      }
      await db.updateTable('owner_groups').set(row).where('id', '=', row.id).execute();
      return 'updated';
    });
  }

  async getOwnerGroup(id: string): Promise<OwnerGroup | null> {
    const row = await this.inventory.db.selectFrom('owner_groups').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : ownerGroupFromRow(row);
  }

  async listOwnerGroups(): Promise<readonly OwnerGroup[]> {
    const rows = await this.inventory.db.selectFrom('owner_groups').selectAll().orderBy('id').execute();
    return rows.map(ownerGroupFromRow);
  }
}

function ownerGroupRow(group: OwnerGroup): OwnerGroupsTable {
  if (group === null || typeof group !== 'object') throw new InventoryInputError('group', 'must be an owner group');
  const id = requireText(group.id, 'group.id', 200);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) {
    throw new InventoryInputError(
      'group.id',
      `"${id}" is not a slug: use letters, digits, ".", "_" and "-", e.g. payments-web`,
    );
  }
  const people = (list: unknown, name: string) =>
    checkList(list, `group.${name}`).map((person, index) => checkPerson(person, `group.${name}[${index}]`));
  const optionalPerson = (person: unknown, name: string) =>
    person === null || person === undefined ? null : checkPerson(person, `group.${name}`);
  const reminderDays =
    group.reminderDays === null || group.reminderDays === undefined
      ? null
      : checkList<number>(group.reminderDays, 'group.reminderDays');
  reminderDays?.forEach((days, index) => {
    if (!Number.isInteger(days) || days <= 0) {
      throw new InventoryInputError(
        `group.reminderDays[${index}]`,
        `${String(days)} is not a whole number of days above 0`,
      );
    }
  });
  const object = (value: unknown, name: string) => {
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new InventoryInputError(`group.${name}`, 'must be an object');
    return value;
  };
  return {
    id,
    name: requireText(group.name, 'group.name'),
    contacts: JSON.stringify(people(group.contacts, 'contacts')),
    approvers: JSON.stringify(people(group.approvers, 'approvers')),
    management_contact: jsonOrNull(optionalPerson(group.managementContact, 'managementContact')),
    incident_response_contact: jsonOrNull(optionalPerson(group.incidentResponseContact, 'incidentResponseContact')),
    slack: JSON.stringify(object(group.slack, 'slack')),
    jira: JSON.stringify(object(group.jira, 'jira')),
    reminder_days: jsonOrNull(reminderDays),
    // Groups written before auto-renew existed (and JSON from older clients) lack the field: off.
    auto_renew: group.autoRenew === undefined ? 0 : Number(checkBoolean(group.autoRenew, 'group.autoRenew')),
    issuer: group.issuer === undefined || group.issuer === null ? null : requireText(group.issuer, 'group.issuer', 80),
  };
}

function checkPerson(person: unknown, field: string): Person {
  const candidate = person as Person | null;
  if (candidate === null || typeof candidate !== 'object') throw new InventoryInputError(field, 'must be a person');
  const identities = [candidate.email, candidate.slackUserId, candidate.jiraAccountId];
  if (!identities.some((identity) => typeof identity === 'string' && identity.trim() !== '')) {
    throw new InventoryInputError(field, 'needs at least one of email, slackUserId or jiraAccountId to be reachable');
  }
  return candidate;
}

function ownerGroupFromRow(row: Selectable<OwnerGroupsTable>): OwnerGroup {
  return {
    id: row.id,
    name: row.name,
    contacts: JSON.parse(row.contacts) as Person[],
    approvers: JSON.parse(row.approvers) as Person[],
    managementContact: row.management_contact === null ? null : (JSON.parse(row.management_contact) as Person),
    incidentResponseContact:
      row.incident_response_contact === null ? null : (JSON.parse(row.incident_response_contact) as Person),
    slack: JSON.parse(row.slack) as OwnerGroup['slack'],
    jira: JSON.parse(row.jira) as OwnerGroup['jira'],
    reminderDays: row.reminder_days === null ? null : (JSON.parse(row.reminder_days) as number[]),
    autoRenew: Number(row.auto_renew) === 1,
    // Groups without one read as before the setting existed.
    ...(row.issuer === null ? {} : { issuer: row.issuer }),
  };
}

function jsonOrNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}
