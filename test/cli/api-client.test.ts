import { describe, expect, it } from 'vitest';
import { normaliseServerUrl } from '../../src/cli/api-client';
import { credentialsPath } from '../../src/cli/credentials';
import { UsageError } from '../../src/cli/errors';

describe('certflow login: the server URL and where the login is kept', () => {
  it.each([
    ['https://certflow.example.com', 'https://certflow.example.com'],
    ['https://certflow.example.com/', 'https://certflow.example.com'],
    ['https://certflow.example.com/api/v1', 'https://certflow.example.com'],
    ['https://certflow.example.com/api/v1/', 'https://certflow.example.com'],
    ['https://example.com/certflow/', 'https://example.com/certflow'],
    ['127.0.0.1:8088', 'http://127.0.0.1:8088'],
    ['  http://[::1]:8088  ', 'http://[::1]:8088'],
    ['HTTPS://CERTFLOW.EXAMPLE.COM', 'https://certflow.example.com'],
  ])('R-API-1: %j is the server %j', (typed, base) => {
    expect(normaliseServerUrl(typed)).toBe(base);
  });

  it.each([
    ['ftp://certflow.example.com', 'is not an http(s) URL'],
    ['https://alice:secret@certflow.example.com', 'without a user, query or fragment'],
    ['https://certflow.example.com/?token=cfk_x', 'without a user, query or fragment'],
    ['http://', 'is not a URL'],
  ])('R-API-1: refuses %j as bad input naming the fix', (typed, message) => {
    expect(() => normaliseServerUrl(typed)).toThrow(UsageError);
    expect(() => normaliseServerUrl(typed)).toThrow(message);
  });

  it.each([
    [{ XDG_CONFIG_HOME: '/x/config', HOME: '/home/a' }, '/x/config/certflow/credentials.json'],
    [{ HOME: '/home/a' }, '/home/a/.config/certflow/credentials.json'],
    [{ XDG_CONFIG_HOME: '', HOME: '/home/a' }, '/home/a/.config/certflow/credentials.json'],
    [{}, null],
  ])('the login of %j is kept in %j', (env, file) => {
    expect(credentialsPath(env)).toBe(file);
  });
});
