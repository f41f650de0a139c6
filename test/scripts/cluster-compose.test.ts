/**
 * docker-compose.yml and `npm run cluster` (scripts/cluster.js) describe one topology: the same Temporal server
 * version on PostgreSQL, the inventory on that PostgreSQL, the same number of certflow workers with the same
 * variables. This test fails when one changes without the other.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLUSTER_TOPOLOGY } from '../../scripts/cluster';
import { REPO_ROOT } from '../support/temporal';

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
}

const compose = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const setupSchema = fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'temporal', 'setup-schema.sh'), 'utf8');
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

describe('docker-compose.yml and npm run cluster agree', () => {
  it('run the same Temporal server version, with admin tools of that version, on postgres12', () => {
    const version = CLUSTER_TOPOLOGY.temporalVersion;
    expect(service('temporal').image).toBe(`temporalio/server:\${TEMPORAL_VERSION:-${version}}`);
    expect(service('temporal-schema').image).toContain(`:-${version}-`);
    expect(service('temporal').environment?.DB).toBe('postgres12');
    expect(service('postgresql').image).toMatch(/^postgres:/);
  });

  it('create the same databases on the one PostgreSQL, the inventory among them', () => {
    const { temporal, visibility, inventory } = CLUSTER_TOPOLOGY.databases;
    expect(setupSchema).toMatch(new RegExp(`for db in ${temporal} ${visibility}; do`));
    expect(setupSchema).toContain(`--db ${inventory} create`);
    expect(setupSchema).toContain('/schema/postgresql/v12/');
  });

  it('start the same number of certflow workers with the same variables, on the inventory in PostgreSQL', () => {
    const workers = Object.entries(compose.services).filter(([, candidate]) => candidate.build === '.');
    expect(workers.map(([name]) => name)).toHaveLength(CLUSTER_TOPOLOGY.workers);
    for (const [name, worker] of workers) {
      expect(worker.command, name).toEqual(['worker']);
      expect(Object.keys(worker.environment ?? {}), name).toEqual(expect.arrayContaining(CLUSTER_TOPOLOGY.workerEnv));
      expect(worker.environment?.CERTFLOW_DATABASE_URL, name).toMatch(
        new RegExp(`^postgres://.*@postgresql:5432/${CLUSTER_TOPOLOGY.databases.inventory}$`),
      );
    }
  });
});
