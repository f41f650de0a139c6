import { describe, expect, it } from 'vitest';
import { normalizeSerial } from '../../../src/adapters/database/certificate-rows';

describe('normalizeSerial: the stored and searched form of a serial (R-INV-1)', () => {
  it.each([
    { given: '0a1b', stored: 'a1b' },
    { given: '00:0A:1B', stored: 'a1b' },
    { given: '00', stored: '0' },
    { given: 'f1e2d3', stored: 'f1e2d3' },
    { given: '-04316693ED', stored: '-4316693ed' },
    { given: '-04:31:66:93:ed', stored: '-4316693ed' },
    { given: '-4316693ed', stored: '-4316693ed' },
    { given: '-01', stored: '-1' },
  ])('R-INV-1: $given is stored and found as $stored', ({ given, stored }) => {
    expect(normalizeSerial(given)).toBe(stored);
  });
});
