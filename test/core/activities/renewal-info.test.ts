/**
 * The daily renewal-information check's activity against a real ACME server (R-REN-3): Pebble 2.10.3 issues three
 * certificates that the inventory manages; its renewal information then says, for one, its ordinary window (two
 * thirds through a 90-day life, which the policy's 30-day deadline already meets), for one a window set through
 * Pebble's management interface (an incident with an explanation URL), and for the revoked one "renew now".
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeAuthority } from '../../../src/adapters/acme/acme-authority';
import { inMemoryAcmeState } from '../../../src/adapters/acme/acme-state';
import { createHttp01Handler, HTTP01_PREFIX } from '../../../src/adapters/acme/http01-handler';
import { openInventoryStore } from '../../../src/adapters/database/database';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { type RunningHttpServer, startHttpServer } from '../../../src/adapters/shared/http';
import { createRenewalInfoActivities } from '../../../src/core/activities/renewal-info';
import { decodeCertificates } from '../../../src/core/domain/certificates/decode-certificates';
import type { SuggestedRenewalWindow } from '../../../src/core/domain/lifecycle/ca-renewal-window';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { certificateAuthorities } from '../../../src/core/ports/certificate-authorities';
import type { IssuedCertificate } from '../../../src/core/ports/certificate-authority';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { acmeIssueRequest, type Pebble, startPebble } from '../../support/pebble';
import { pebbleIssuer } from '../../support/pebble-issuer';

let folder: string;
let http: RunningHttpServer;
let pebble: Pebble;
let store: InventoryStore;
let acme: AcmeAuthority;
let keyStore: FileKeyStore;

/** Issues a certificate for `name` from Pebble and records it as a managed certificate; returns it and its id. */
async function managed(name: string): Promise<{ issued: IssuedCertificate; id: string }> {
  const issued = await acme.issue(await acmeIssueRequest(keyStore, name, [name]));
  const [parsed] = decodeCertificates(new TextEncoder().encode(issued.certificatePem), name).certificates;
  if (parsed === undefined) throw new Error('the issued certificate did not parse');
  const now = new Date().toISOString();
  await store.upsertCertificates([{ facts: parsed.facts, der: parsed.der, metadata: {} }], now);
  const assigned = await store.assignManagedCertificates([parsed.facts.fingerprintSha256], now);
  return { issued, id: assigned.created[0]!.id };
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-ari-'));
  keyStore = new FileKeyStore(path.join(folder, 'keys'));
  const state = inMemoryAcmeState();
  http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [{ prefix: HTTP01_PREFIX, handler: createHttp01Handler(state) }],
  });
  pebble = await startPebble({ httpPort: http.port });
  store = await openInventoryStore({ url: `sqlite:${path.join(folder, 'inventory.sqlite')}` });
  acme = new AcmeAuthority({
    settings: pebbleIssuer(pebble),
    keyStore,
    state,
    caa: null,
    dnsChallenges: null,
  });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await pebble?.stop();
  await http?.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('checkRenewalInfo against Pebble (RFC 9773)', () => {
  it(
    'R-REN-3: tells the lifecycles whose CA window ends before the policy deadline (an incident, a revocation), with the window and explanation, and no other',
    { timeout: 120_000 },
    async () => {
      const ordinary = await managed('ordinary.shop.test');
      const incident = await managed('incident.shop.test');
      const revoked = await managed('revoked.shop.test');
      const start = new Date(Date.now() + 2 * 86_400_000).toISOString();
      const end = new Date(Date.now() + 3 * 86_400_000).toISOString();
      await pebble.setRenewalInfo(incident.issued.certificatePem, {
        suggestedWindow: { start, end },
        explanationURL: 'https://pebble.example/incidents/1',
      });
      await acme.revoke({
        idempotencyKey: 'revoke-1',
        serialNumber: revoked.issued.serialNumber,
        issuer: new X509Certificate(revoked.issued.certificatePem).issuer,
        reason: 'keyCompromise',
      });

      const signalled: Array<{ id: string; window: SuggestedRenewalWindow }> = [];
      const internal = {
        name: 'internal',
        issue: () => Promise.reject(new Error('not used')),
        revoke: () => Promise.reject(new Error('not used')),
        issues: () => Promise.resolve(false),
      };
      const activities = createRenewalInfoActivities({
        store,
        issuers: certificateAuthorities([internal, acme]),
        loadPolicy: () => Promise.resolve(DEFAULT_POLICY),
        lifecycles: () => ({
          suggestRenewalWindow: async (id, window) => {
            signalled.push({ id, window });
            return id === revoked.id ? 'not-running' : 'signalled';
          },
        }),
      });
      const heartbeats: unknown[] = [];
      const env = new MockActivityEnvironment();
      env.on('heartbeat', (detail: unknown) => heartbeats.push(detail));
      const result = await env.run(activities.checkRenewalInfo, { after: null });

      expect(result).toEqual({ asked: 3, signalled: 2, notRunning: 1, failed: 0, failures: [] });
      expect(signalled.map(({ id }) => id).sort()).toEqual([incident.id, revoked.id].sort());
      const told = (id: string) => signalled.find((each) => each.id === id)!.window;
      expect(told(incident.id)).toEqual({
        fingerprintSha256: incident.issued.fingerprintSha256,
        issuer: 'acme:pebble',
        start,
        end,
        explanationUrl: 'https://pebble.example/incidents/1',
      });
      // A revoked certificate: Pebble's window lies in the past, renew now.
      expect(Date.parse(told(revoked.id).end)).toBeLessThan(Date.now());
      expect(told(revoked.id).explanationUrl).toBeNull();
      expect(heartbeats.at(-1)).toBe([ordinary.id, incident.id, revoked.id].sort().at(-1));

      // A retried attempt resumes after the heartbeat: nothing is asked or told twice.
      signalled.length = 0;
      const resumed = await new MockActivityEnvironment({ heartbeatDetails: heartbeats.at(-1) }).run(
        activities.checkRenewalInfo,
        { after: null },
      );
      expect(resumed).toMatchObject({ asked: 0, signalled: 0 });
      expect(signalled).toEqual([]);
    },
  );
});
