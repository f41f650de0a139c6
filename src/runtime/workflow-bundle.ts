import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleOption } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from './payload-codec';

/** The folder the worker bundles workflows from: workflows/ next to this module, in source and in dist/. */
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'core', 'workflows');

/**
 * The bundle `npm run build` writes beside dist/'s folders. A worker started from dist/ loads it instead of running
 * webpack, so a worker that was killed is back in a second or two rather than after a bundling that takes 10–20 s of
 * CPU on a busy machine. From the sources (tests, ts-node) it does not exist and the worker bundles as before.
 */
export const PREBUILT_WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'workflow-bundle.js');

/** Everything the bundle is made from: the core (all that workflows may import) and the failure converter. */
const BUNDLE_INPUTS = [path.join(__dirname, '..', 'core'), FAILURE_CONVERTER_PATH];

/**
 * Bundles workflows/ for the sandbox with certflow's failure converter (workflow failures are converted inside the
 * bundle), keeping webpack's report out of the worker's log unless it fails.
 */
export async function bundleWorkflows(): ReturnType<typeof bundleWorkflowCode> {
  return await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
}

function newestModification(file: string): number {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(file)) newest = Math.max(newest, newestModification(path.join(file, entry)));
  return newest;
}

/**
 * The workflow code a worker runs: the prebuilt bundle when it exists and is newer than every file it was made from
 * (a `tsc` run after `npm run build` makes it stale, and a stale bundle would run old workflow code), otherwise a
 * bundle made now.
 */
export async function workerWorkflowBundle(): Promise<WorkflowBundleOption> {
  const prebuilt = fs.statSync(PREBUILT_WORKFLOW_BUNDLE_PATH, { throwIfNoEntry: false });
  const inputs = Math.max(...BUNDLE_INPUTS.map(newestModification));
  if (prebuilt !== undefined && prebuilt.mtimeMs >= inputs) return { codePath: PREBUILT_WORKFLOW_BUNDLE_PATH };
  return await bundleWorkflows();
}

/** Writes the prebuilt bundle (the last step of `npm run build`), replacing the last one in one rename. */
export async function writeWorkflowBundle(): Promise<void> {
  const { code } = await bundleWorkflows();
  const staged = `${PREBUILT_WORKFLOW_BUNDLE_PATH}.${process.pid}.tmp`;
  fs.writeFileSync(staged, code);
  fs.renameSync(staged, PREBUILT_WORKFLOW_BUNDLE_PATH);
}

if (require.main === module) {
  writeWorkflowBundle().catch((error: unknown) => {
    process.stderr.write(`certflow: cannot bundle the workflows: ${String(error)}\n`);
    process.exitCode = 1;
  });
}
