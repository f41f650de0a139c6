import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertificateParseError } from '../../../../src/core/domain/certificates/errors';
import { isPrivateKeyLabel, splitPem } from '../../../../src/core/domain/certificates/pem';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'certificates');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'latin1');
const leafPem = fixture('leaf.pem');
const leafDer = new Uint8Array(Buffer.from(leafPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
const leafBase64 = leafPem.split('\n').slice(1, -2);

/** A PEM block with the given label around the leaf's base64 lines. */
function block(label: string, lines: readonly string[] = leafBase64): string {
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

describe('splitPem', () => {
  it('R-INV-2: splits a chain bundle with junk, Bag Attributes, CRLF and broken base64 lines', () => {
    const text = fixture('chain-bundle.pem');
    expect(text).toContain('\r\n');
    const split = splitPem(text, 'chain-bundle.pem');
    expect(split.errors).toEqual([]);
    expect(split.skipped).toEqual([]);
    expect(split.blocks.map((b) => [b.number, b.label, b.kind])).toEqual([
      [1, 'CERTIFICATE', 'certificate'],
      [2, 'CERTIFICATE', 'certificate'],
      [3, 'CERTIFICATE', 'certificate'],
    ]);
    expect(split.blocks[0]!.der).toEqual(leafDer);
    const lines = text.split('\r\n');
    for (const found of split.blocks) expect(lines[found.line - 1]).toBe('-----BEGIN CERTIFICATE-----');
  });

  it.each([
    ['one line', `junk -----BEGIN CERTIFICATE-----${leafBase64.join('')}-----END CERTIFICATE----- junk`],
    [
      'RFC 1421 headers',
      block('CERTIFICATE', ['Proc-Type: 4,ENCRYPTED', 'X-Note: value', '  continued', '', ...leafBase64]),
    ],
    [
      'spaces and tabs inside lines',
      block(
        'CERTIFICATE',
        leafBase64.map((line) => ` ${line.slice(0, 7)}\t${line.slice(7)} `),
      ),
    ],
    ['no padding', block('CERTIFICATE', [leafBase64.join('').replace(/=+$/, '')])],
    ['X509 CERTIFICATE label', block('X509 CERTIFICATE')],
    ['TRUSTED CERTIFICATE label', block('TRUSTED CERTIFICATE')],
  ])('R-INV-2: tolerates %s', (_, text) => {
    const split = splitPem(text, 'x.pem');
    expect(split.errors).toEqual([]);
    expect(split.blocks).toHaveLength(1);
    expect(split.blocks[0]!.der).toEqual(leafDer);
  });

  it('R-INV-2: reads PKCS7 and CMS blocks as PKCS#7', () => {
    const split = splitPem(block('PKCS7') + block('CMS'), 'x.pem');
    expect(split.blocks.map((b) => b.kind)).toEqual(['pkcs7', 'pkcs7']);
  });

  it.each([
    'PRIVATE KEY',
    'RSA PRIVATE KEY',
    'EC PRIVATE KEY',
    'ENCRYPTED PRIVATE KEY',
    'OPENSSH PRIVATE KEY',
    'DSA PRIVATE KEY',
  ])('skips a %s block without decoding it, even a broken one', (label) => {
    const secret = 'c2VjcmV0IGtleSBtYXRlcmlhbA==';
    const text = block(label, [secret, '!!not base64!!']) + block('CERTIFICATE');
    const split = splitPem(text, 'key.pem');
    expect(isPrivateKeyLabel(label)).toBe(true);
    expect(split.errors).toEqual([]);
    expect(split.skipped).toEqual([{ number: 1, label, line: 1, reason: `private key (${label}) skipped unread` }]);
    expect(split.blocks.map((b) => b.number)).toEqual([2]);
    expect(JSON.stringify(split)).not.toContain(secret);
  });

  it('skips a private key whose END line is missing, and keeps the certificate after it', () => {
    const split = splitPem(`-----BEGIN PRIVATE KEY-----\nAAAA\n${block('CERTIFICATE')}`, 'key.pem');
    expect(split.errors).toEqual([]);
    expect(split.skipped.map((s) => s.number)).toEqual([1]);
    expect(split.blocks.map((b) => b.number)).toEqual([2]);
  });

  it('skips requests, CRLs and public keys as not certificates', () => {
    const split = splitPem(block('CERTIFICATE REQUEST') + block('X509 CRL') + block('PUBLIC KEY'), 'x.pem');
    expect(split.skipped.map((s) => s.reason)).toEqual([
      'not a certificate (CERTIFICATE REQUEST)',
      'not a certificate (X509 CRL)',
      'not a certificate (PUBLIC KEY)',
    ]);
    expect(split.blocks).toEqual([]);
  });

  it('ignores prose that mentions -----BEGIN and text with no blocks at all', () => {
    expect(splitPem('see the -----BEGIN marker docs\n', 'x.txt')).toEqual({ blocks: [], errors: [], skipped: [] });
    expect(splitPem('', 'x.txt')).toEqual({ blocks: [], errors: [], skipped: [] });
  });
});

describe('splitPem on bad blocks (R-INV-4)', () => {
  const good = block('CERTIFICATE');
  const withLine = (index: number, replace: (line: string) => string): string[] =>
    leafBase64.map((line, i) => (i === index ? replace(line) : line));

  it.each<{ name: string; bad: string; reason: string; line: number }>([
    {
      name: 'a bad character',
      bad: block(
        'CERTIFICATE',
        withLine(4, (line) => `${line.slice(0, 5)}@${line.slice(6)}`),
      ),
      reason: "base64 is corrupt: unexpected character '@'",
      line: 6,
    },
    {
      name: 'padding in the middle',
      bad: block(
        'CERTIFICATE',
        withLine(2, (line) => `${line.slice(0, 8)}==${line.slice(10)}`),
      ),
      reason: 'base64 is corrupt: padding in the middle of the data',
      line: 4,
    },
    {
      name: 'a cut-short last group',
      bad: block('CERTIFICATE', ['MIIB', 'A']),
      reason: 'base64 is corrupt: the data is cut short',
      line: 4,
    },
    {
      name: 'an END line for another label',
      bad: `-----BEGIN CERTIFICATE-----\n${leafBase64.join('\n')}\n-----END PKCS7-----\n`,
      reason: '"BEGIN CERTIFICATE" is closed by "END PKCS7"',
      line: leafBase64.length + 2,
    },
    { name: 'an empty block', bad: block('CERTIFICATE', []), reason: 'the block is empty', line: 1 },
    {
      name: 'a damaged BEGIN line',
      bad: `-----BEGIN CERTIFICATE----\n${leafBase64.join('\n')}\n-----END CERTIFICATE-----\n`,
      reason: 'the BEGIN line is malformed',
      line: 1,
    },
  ])('R-INV-4: $name is an error for that block only, with its number and line', ({ bad, reason, line }) => {
    const text = `${good}junk\n${bad}${good}`;
    const offset = good.split('\n').length;
    const split = splitPem(text, 'certs/bundle.pem');
    expect(split.blocks.map((b) => b.number)).toEqual([1, 3]);
    expect(split.errors).toHaveLength(1);
    const [error] = split.errors;
    expect(error).toBeInstanceOf(CertificateParseError);
    expect({ block: error!.block, reason: error!.reason, line: error!.line }).toEqual({
      block: 2,
      reason,
      line: line + offset,
    });
    expect(error!.message).toBe(
      `certs/bundle.pem block 2: ${reason} (line ${line + offset}) — re-export the certificate from its source`,
    );
  });

  it('R-INV-4: a BEGIN line without END is an error naming the block and its BEGIN line', () => {
    const text = fixture('begin-without-end.pem');
    const split = splitPem(text, 'begin-without-end.pem');
    expect(split.blocks.map((b) => b.number)).toEqual([1]);
    expect(split.errors.map((e) => [e.block, e.line, e.reason])).toEqual([
      [2, leafPem.split('\n').length, 'the block has no "-----END CERTIFICATE-----" line'],
    ]);
    expect(split.errors[0]!.message).toMatch(/restore the END line or re-export the certificate$/);
  });

  it('R-INV-4: a BEGIN without END followed by a good block keeps the good block', () => {
    const text = `-----BEGIN CERTIFICATE-----\n${leafBase64.slice(0, 3).join('\n')}\n${good}`;
    const split = splitPem(text, 'x.pem');
    expect(split.errors.map((e) => e.block)).toEqual([1]);
    expect(split.blocks.map((b) => b.number)).toEqual([2]);
  });

  it('R-INV-4: the corrupt middle block of the fixture is reported at the corrupted line', () => {
    const text = fixture('corrupt-middle-block.pem');
    const corruptLine = text.split('\n').findIndex((line) => line.includes('*corrupt*')) + 1;
    const split = splitPem(text, 'corrupt-middle-block.pem');
    expect(split.blocks.map((b) => b.number)).toEqual([1, 3]);
    expect(split.errors.map((e) => [e.block, e.line])).toEqual([[2, corruptLine]]);
  });
});
