import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHttpServer } from '../../src/adapters/shared/http';
import { EXIT } from '../../src/cli/main';
import type { LifecycleRequest } from '../../src/core/domain/lifecycle/model';
import { createLifecycleHarness, PEOPLE, type LifecycleHarness } from '../support/lifecycle-harness';
import { serveApiOnHarness, type HarnessApi } from '../support/harness-api';
import { runCli, type CliRun } from '../support/run-cli';

let h: LifecycleHarness;
let api: HarnessApi;
let server: RunningHttpServer;
let secrets: Readonly<Record<string, string>>;
let home: string;

/**
 * The environment of a person on their own machine: a config folder of their own, an inventory that is not the
 * server's (empty: anything read from it would be wrong), and variables claiming an approver's identity and the
 * security lead's role, which must change nothing once logged in.
 */
function personEnv(person: string): NodeJS.ProcessEnv {
  const folder = path.join(home, person);
  fs.mkdirSync(folder, { recursive: true });
  return {
    XDG_CONFIG_HOME: path.join(folder, 'config'),
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(folder, 'not-the-server.sqlite')}`,
    CERTFLOW_DATA_DIR: path.join(folder, 'data'),
    CERTFLOW_ACTOR: PEOPLE.ann.id,
    CERTFLOW_SECURITY_LEADS: `${PEOPLE.owner.id},${PEOPLE.stranger.id}`,
  };
}

/** Runs certflow as `person`, with `stdin` piped in. */
function cli(person: string, argv: string[], stdin = ''): Promise<CliRun> {
  return runCli(argv, { env: personEnv(person), cwd: home, readStdin: () => Promise.resolve(stdin) });
}

async function login(person: string): Promise<CliRun> {
  return await cli(person, ['login', server.url, '--token-stdin'], `${secrets[person]}\n`);
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-cli-login-'));
  h = await createLifecycleHarness();
  api = await serveApiOnHarness(h, { owner: PEOPLE.owner, ann: PEOPLE.ann, stranger: PEOPLE.stranger });
  ({ server, secrets } = api);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await h?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('certflow login: the CLI as a client of the HTTP API', () => {
  it('R-SEC-2: login with a wrong token fails with the fix and keeps nothing; a right one is kept 0600 and whoami names its principal', async () => {
    const wrong = await cli('owner', ['login', server.url, '--token-stdin'], `cfk_${'A'.repeat(43)}\n`);
    expect(wrong.code).toBe(EXIT.failure);
    expect(wrong.err).toContain('refused the token: the token is not known');
    expect(wrong.err).toContain(`certflow login ${server.url} --token-stdin`);
    expect(wrong.err).toContain('certflow tokens create');
    const credentials = path.join(personEnv('owner').XDG_CONFIG_HOME!, 'certflow', 'credentials.json');
    expect(fs.existsSync(credentials)).toBe(false);

    const onArgv = await cli('owner', ['login', server.url, secrets.owner!]);
    expect(onArgv.code).toBe(EXIT.usage);
    expect(onArgv.err).toContain('shell history');
    const nowhere = await cli('owner', ['login', 'http://127.0.0.1:1', '--token-stdin'], secrets.owner);
    expect(nowhere.code).toBe(EXIT.failure);
    expect(nowhere.err).toContain("cannot reach certflow's API at http://127.0.0.1:1");
    expect(fs.existsSync(credentials)).toBe(false);

    const loggedIn = await login('owner');
    expect(loggedIn.code, loggedIn.err).toBe(EXIT.ok);
    expect(loggedIn.out).toContain(`Logged in to ${server.url} as ${PEOPLE.owner.id} (token "owner")`);
    expect(fs.statSync(credentials).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(credentials)).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(credentials, 'utf8')).toContain(secrets.owner!);
    expect(loggedIn.out).not.toContain(secrets.owner!);

    const whoami = await cli('owner', ['whoami', '--json']);
    expect(whoami.code, whoami.err).toBe(EXIT.ok);
    expect(JSON.parse(whoami.out)).toMatchObject({
      mode: 'api',
      url: server.url,
      actor: PEOPLE.owner.id,
      token: 'owner',
    });

    const loggedOut = await cli('owner', ['logout']);
    expect(loggedOut.out).toContain(`Logged out of ${server.url}`);
    expect(fs.existsSync(credentials)).toBe(false);
    const notHttp = await cli('owner', ['login', 'ftp://certflow.example.com', '--token-stdin'], secrets.owner);
    expect(notHttp.code).toBe(EXIT.usage);
    expect(notHttp.err).toContain('is not an http(s) URL');
    fs.writeFileSync(credentials, '{"url":', { mode: 0o600 });
    const damaged = await cli('owner', ['list']);
    expect(damaged.code).toBe(EXIT.failure);
    expect(damaged.err).toContain('is not a certflow login; run certflow logout, then certflow login <url>');
    expect((await cli('owner', ['logout'])).out).toContain('Removed a damaged login');
    expect(fs.existsSync(credentials)).toBe(false);
    const operator = await cli('owner', ['whoami']);
    expect(operator.out).toContain(`${PEOPLE.ann.id}, acting directly on Temporal (operator mode)`);
  });

  it(
    'R-SEC-2: logged in as the owner the CLI cannot approve (403 problem rendered) whatever CERTFLOW_ACTOR and CERTFLOW_SECURITY_LEADS claim; as an approver it can',
    { timeout: 120_000 },
    async () => {
      const seeded = await h.seed({ daysLeft: 150, lifetimeDays: 365 });
      await h.withWorker(async () => {
        await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (view) => view.plan.length > 0, 'the first plan');
        for (const person of ['owner', 'ann', 'stranger']) expect((await login(person)).code).toBe(EXIT.ok);

        const renewed = await cli('owner', ['renew', seeded.managedCertificateId, '--reason', 'rotate', '--json']);
        expect(renewed.code, renewed.err).toBe(EXIT.ok);
        expect(renewed.err).toContain('CERTFLOW_ACTOR and CERTFLOW_SECURITY_LEADS are ignored');
        const request = JSON.parse(renewed.out) as LifecycleRequest;
        expect(request).toMatchObject({ status: 'awaiting-approval', requestedBy: { id: PEOPLE.owner.id } });

        for (const person of ['owner', 'stranger']) {
          const refused = await cli(person, ['approve', request.id]);
          expect(refused.code).toBe(EXIT.failure);
          expect(refused.err).toContain('(HTTP 403 Refused)');
          expect(refused.err).toContain("the server's configuration and the owner group decide who may do this");
        }

        const revoke = [
          'revoke',
          seeded.managedCertificateId,
          '--reason',
          'leaked',
          '--revocation-reason',
          'keyCompromise',
        ];
        const notOwner = await cli('stranger', revoke);
        expect(notOwner.code).toBe(EXIT.failure);
        expect(notOwner.err).toContain('(HTTP 403 Refused)');

        const status = await cli('stranger', ['lifecycle', 'status', seeded.managedCertificateId]);
        expect(status.code, status.err).toBe(EXIT.ok);
        expect(status.out).toContain(`${request.id}: renewal, awaiting-approval, requested by ${PEOPLE.owner.id}`);

        const approved = await cli('ann', ['approve', request.id, '--note', 'fine', '--json']);
        expect(approved.code, approved.err).toBe(EXIT.ok);
        expect(JSON.parse(approved.out)).toMatchObject({ id: request.id, decidedBy: { id: PEOPLE.ann.id } });

        const audit = await h.store.queryAudit({ actor: PEOPLE.owner.id }, { limit: 50 });
        expect(audit.items.map((entry) => entry.where)).toContain('api:owner');
      });
    },
  );

  it('R-API-1: list, show and groups through the API print what the server has, in the same JSON as the direct mode on the server', async () => {
    await h.seed({ daysLeft: 90, lifetimeDays: 365, names: ['shop.payments.example.com'] });
    expect((await login('stranger')).code).toBe(EXIT.ok);
    // The operator on the server's machine, not logged in, reading the same inventory directly.
    const direct = (argv: string[]) =>
      runCli(argv, { env: { CERTFLOW_DATABASE_URL: `sqlite:${path.join(h.folder, 'inventory.sqlite')}` }, cwd: home });
    for (const argv of [
      ['list', '--search', 'shop.payments', '--json'],
      ['list', '--limit', '2', '--offset', '1', '--sort', 'subject', '--json'],
    ]) {
      const listed = await cli('stranger', argv);
      expect(listed.code, listed.err).toBe(EXIT.ok);
      expect(JSON.parse(listed.out)).toEqual(JSON.parse((await direct(argv)).out));
    }
    const page = JSON.parse((await cli('stranger', ['list', '--search', 'shop.payments', '--json'])).out) as {
      items: { id: string }[];
      total: number;
    };
    expect(page.total).toBe(1);
    const shown = await cli('stranger', ['show', page.items[0]!.id, '--json']);
    expect(shown.code, shown.err).toBe(EXIT.ok);
    expect(JSON.parse(shown.out)).toEqual(JSON.parse((await direct(['show', page.items[0]!.id, '--json'])).out));
    expect((await cli('stranger', ['show', page.items[0]!.id])).out).toContain('shop.payments.example.com');
    for (const argv of [
      ['groups', 'list', '--json'],
      ['groups', 'show', 'payments-web', '--json'],
    ]) {
      const groups = await cli('stranger', argv);
      expect(groups.code, groups.err).toBe(EXIT.ok);
      expect(JSON.parse(groups.out)).toEqual(JSON.parse((await direct(argv)).out));
    }
    const pem = ['show', page.items[0]!.id, '--pem'];
    expect((await cli('stranger', pem)).out).toBe((await direct(pem)).out);
    // What the API does not serve yet is refused, not read from this machine's own CA or inventory.
    const unserved = await cli('stranger', ['import', '--internal-ca']);
    expect(unserved.code).toBe(EXIT.failure);
    expect(unserved.err).toContain(
      "import --internal-ca is not served through certflow's API yet: run it on the worker's machine",
    );
    const noGroup = await cli('stranger', ['groups', 'show', 'nobody']);
    expect(noGroup.code).toBe(EXIT.usage);
    expect(noGroup.err).toContain('no owner group "nobody"');
    const missing = await cli('stranger', ['show', '0123456789abcdef']);
    expect(missing.code).toBe(EXIT.failure);
    expect(missing.err).toContain('no certificate in the inventory has id or fingerprint 0123456789abcdef');
  });
});
