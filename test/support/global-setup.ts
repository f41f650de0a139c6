import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { provision } from '../../scripts/provision-temporal';
import { bundleWorkflows } from '../../src/runtime/workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the workflow bundle built once for the whole run. */
    workflowBundlePath: string;
  }
}

const ROOT = path.resolve(__dirname, '..', '..');
/**
 * Everything a workflow bundle is built from: workflows may import domain/ and the SDK, nothing else by value; the
 * bundle also holds certflow's failure converter.
 */
const BUNDLE_INPUTS = [
  'src/core/workflows',
  'src/core/domain',
  'src/runtime/encoded-failure-converter.js',
  'package-lock.json',
];

function filesUnder(target: string): string[] {
  if (!fs.existsSync(target)) return [];
  if (fs.statSync(target).isFile()) return [target];
  return fs
    .readdirSync(target, { withFileTypes: true })
    .flatMap((entry) => filesUnder(path.join(target, entry.name)))
    .sort();
}

/** Builds the workflow bundle, reusing the one from an earlier run when no input changed. */
async function workflowBundlePath(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of BUNDLE_INPUTS.flatMap((input) => filesUnder(path.join(ROOT, input)))) {
    hash.update(path.relative(ROOT, file)).update(fs.readFileSync(file));
  }
  const cacheDir = path.join(ROOT, '.cache', 'test');
  const bundlePath = path.join(cacheDir, `workflow-bundle-${hash.digest('hex').slice(0, 16)}.js`);
  if (!fs.existsSync(bundlePath)) {
    const { code } = await bundleWorkflows();
    fs.mkdirSync(cacheDir, { recursive: true });
    for (const stale of fs.readdirSync(cacheDir).filter((name) => name.startsWith('workflow-bundle-'))) {
      fs.rmSync(path.join(cacheDir, stale), { force: true });
    }
    fs.writeFileSync(`${bundlePath}.tmp`, code);
    fs.renameSync(`${bundlePath}.tmp`, bundlePath);
  }
  return bundlePath;
}

/** Once per test run: the Temporal servers are provisioned (fast when they are) and the workflows bundled. */
export default async function setup(project: TestProject): Promise<void> {
  provision({ log: (line: string) => process.stderr.write(`[certflow] ${line}\n`) });
  project.provide('workflowBundlePath', await workflowBundlePath());
}
