import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, workflowBundle } from '../support/temporal';

/** The npm packages whose modules the bundle holds, from webpack's module ids (`./node_modules/<package>/…`). */
function bundledPackages(code: string): Set<string> {
  const packages = new Set<string>();
  for (const [, id] of code.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)) {
    const after = id?.split('node_modules/').at(-1);
    if (after === undefined || after === id) continue;
    const parts = after.split('/');
    packages.add(after.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
  }
  return packages;
}

/** The Temporal workflow SDK and every package it depends on, as installed. */
function workflowSdkPackages(): Set<string> {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    found.add(name);
    const manifest = path.join(REPO_ROOT, 'node_modules', name, 'package.json');
    const { dependencies = {} } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(dependencies)) visit(dependency);
  };
  visit('@temporalio/workflow');
  return found;
}

describe('the workflow bundle', () => {
  // Every workflow the worker caches evaluates every module of the bundle in its own module cache: zod, pulled in
  // once through a domain module, made each parked lifecycle cost 1.7 MiB instead of 0.2 (issue 21).
  it('R-CAM-4: holds no npm package but the workflow SDK and its dependencies (each cached workflow evaluates them all)', () => {
    const code = fs.readFileSync(workflowBundle().codePath, 'utf8');
    const packages = bundledPackages(code);
    expect(packages.size).toBeGreaterThan(0);
    const sdk = workflowSdkPackages();
    expect([...packages].filter((name) => !sdk.has(name))).toEqual([]);
  });
});
