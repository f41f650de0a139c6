import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveTemporalServer, TemporalToolsMissingError, toolsDir } from '../../src/runtime/temporal-tools';

describe('resolveTemporalServer', () => {
  let root: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-tools-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  function provisioned(kind: 'temporalCli' | 'testServer'): string {
    const exe = path.join(root, '.tools', 'bin', kind);
    fs.mkdirSync(path.dirname(exe), { recursive: true });
    fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(
      path.join(root, '.tools', 'temporal-tools.json'),
      JSON.stringify({ [kind]: { version: '1', recipe: 'r', path: exe } }),
    );
    return exe;
  }

  it('finds the server that scripts/provision-temporal.js recorded in the manifest', () => {
    const exe = provisioned('temporalCli');
    expect(resolveTemporalServer('devServer', {}, root)).toEqual({ type: 'existing-path', path: exe });
  });

  it('prefers TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH over the tools folder', () => {
    provisioned('testServer');
    const own = path.join(root, 'my-test-server');
    fs.writeFileSync(own, '');
    expect(resolveTemporalServer('testServer', { TEMPORAL_TEST_SERVER_PATH: own }, root)).toEqual({
      type: 'existing-path',
      path: own,
    });
  });

  it('reads the manifest from CERTFLOW_TOOLS_DIR when set', () => {
    const exe = provisioned('testServer');
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-elsewhere-'));
    expect(toolsDir({ CERTFLOW_TOOLS_DIR: path.join(root, '.tools') }, elsewhere)).toBe(path.join(root, '.tools'));
    expect(resolveTemporalServer('testServer', { CERTFLOW_TOOLS_DIR: path.join(root, '.tools') }, elsewhere)).toEqual({
      type: 'existing-path',
      path: exe,
    });
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });

  it('falls back to the SDK download only when CERTFLOW_TEMPORAL_DOWNLOAD=1', () => {
    expect(resolveTemporalServer('devServer', { CERTFLOW_TEMPORAL_DOWNLOAD: '1' }, root)).toEqual({
      type: 'cached-download',
    });
  });

  it('says which command provisions a missing server', () => {
    expect(() => resolveTemporalServer('devServer', {}, root)).toThrow(TemporalToolsMissingError);
    expect(() => resolveTemporalServer('testServer', {}, root)).toThrow(
      /the Temporal test server is not provisioned: run `node scripts\/provision-temporal.js`/,
    );
  });

  it('names the variable when an override points nowhere', () => {
    expect(() => resolveTemporalServer('devServer', { TEMPORAL_CLI_PATH: '/nowhere/temporal' }, root)).toThrow(
      'the Temporal CLI was not found at /nowhere/temporal (TEMPORAL_CLI_PATH)',
    );
  });

  it('treats a corrupt manifest as nothing provisioned', () => {
    fs.mkdirSync(path.join(root, '.tools'));
    fs.writeFileSync(path.join(root, '.tools', 'temporal-tools.json'), '{not json');
    expect(() => resolveTemporalServer('devServer', {}, root)).toThrow(TemporalToolsMissingError);
  });
});
