import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main';
import { describeValidity } from '../../src/cli/commands/show';
import { childrenOf, readElement } from '../../src/core/domain/certificates/der';
import { createRootCa, issueCertificate } from '../support/certificate-factory';
import { sequence, tlv } from '../support/der-writer';
import { freePort } from '../support/ports';

const NOW = new Date('2026-11-23T12:00:00Z');

describe('describeValidity: the validity line stays sensible for any year (R-INV-1)', () => {
  it.each([
    { notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-02-03T00:00:00Z', days: 398, shown: '398 days; 71 days left' },
    { notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-11-24T11:00:00Z', days: 328, shown: '328 days; 0 days left' },
    {
      notBefore: '2025-01-01T00:00:00Z',
      notAfter: '2026-11-20T12:00:00Z',
      days: 688,
      shown: '688 days; expired 3 days ago',
    },
    {
      notBefore: '2025-01-01T00:00:00Z',
      notAfter: '2026-11-22T12:00:00Z',
      days: 690,
      shown: '690 days; expired 1 day ago',
    },
    {
      notBefore: '2026-12-03T12:00:00Z',
      notAfter: '2027-12-03T12:00:00Z',
      days: 365,
      shown: '365 days; not yet valid: starts in 10 days',
    },
    {
      notBefore: '2026-01-01T00:00:00Z',
      notAfter: '9999-12-31T23:59:59Z',
      days: 2_913_754,
      shown: 'no expiry date (99991231235959Z)',
    },
    { notBefore: '2026-01-01T00:00:00Z', notAfter: '3026-01-01T00:00:00Z', days: 365_243, shown: 'expires 3026-01-01' },
    {
      notBefore: '0001-01-01T00:00:00Z',
      notAfter: '0001-12-31T00:00:00Z',
      days: 364,
      shown: '364 days; expired 0001-12-31',
    },
    {
      notBefore: '9000-01-01T00:00:00Z',
      notAfter: '9999-12-31T23:59:59Z',
      days: 365_243,
      shown: 'not yet valid: starts 9000-01-01',
    },
    {
      notBefore: '2026-01-01T00:00:00Z',
      notAfter: '0001-01-01T00:00:00Z',
      days: -739_616,
      shown: 'never valid: notAfter is before notBefore',
    },
  ])('R-INV-1: $notBefore → $notAfter reads "$shown"', ({ notBefore, notAfter, days, shown }) => {
    const facts = {
      notBefore: new Date(notBefore).toISOString(),
      notAfter: new Date(notAfter).toISOString(),
      validityDays: days,
    };
    expect(describeValidity(facts, NOW)).toBe(shown);
  });
});

describe('certflow show and list with year 0001 and 9999 validity (R-INV-1)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  async function run(...argv: string[]) {
    const out: string[] = [];
    const code = await main(argv, { out: (line) => out.push(line), err: () => {}, env, cwd: dir, now: () => NOW });
    return { code, out: out.join('\n') };
  }

  /** A certificate from the factory with its validity written as the given GeneralizedTimes (signature unchecked). */
  function withValidity(notBefore: string, notAfter: string): Uint8Array {
    const der = issueCertificate({ subject: 'CN=far.example.com', issuer: createRootCa() }).der;
    const [tbs, algorithm, signature] = childrenOf(der, readElement(der, 0));
    const fields: Uint8Array[] = childrenOf(der, tbs!).map((field) => der.slice(field.start, field.end));
    const time = (text: string) => tlv(0x18, new TextEncoder().encode(text));
    fields[4] = sequence(time(notBefore), time(notAfter));
    const slice = (element: typeof tbs) => der.slice(element!.start, element!.end);
    return sequence(sequence(...fields), slice(algorithm), slice(signature));
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-show-'));
    env = {
      CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
      USER: 'tester',
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    };
    fs.mkdirSync(path.join(dir, 'certs'));
    fs.writeFileSync(path.join(dir, 'certs', 'far.der'), withValidity('00010101000000Z', '99991231235959Z'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('R-INV-1: the inventory keeps the years exactly and show prints no negative day counts', async () => {
    expect((await run('import', path.join(dir, 'certs'))).code).toBe(EXIT.ok);
    const listed = await run('list', '--json');
    const page = JSON.parse(listed.out) as { items: { id: string; facts: { notBefore: string; notAfter: string } }[] };
    expect(page.items.map((item) => item.facts)).toEqual([
      expect.objectContaining({ notBefore: '0001-01-01T00:00:00.000Z', notAfter: '9999-12-31T23:59:59.000Z' }),
    ]);
    const shown = await run('show', page.items[0]!.id);
    expect(shown.code).toBe(EXIT.ok);
    expect(shown.out).toMatch(
      /valid +0001-01-01T00:00:00\.000Z → 9999-12-31T23:59:59\.000Z \(no expiry date \(99991231235959Z\)\)/,
    );
    expect(shown.out).not.toMatch(/-\d+ days/);
  });
});
