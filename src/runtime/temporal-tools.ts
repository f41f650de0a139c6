import fs from 'node:fs';
import path from 'node:path';

/** How to get a Temporal server executable: one on disk, or the SDK's own download (needs internet). */
export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/** The two Temporal servers certflow uses: the CLI's dev server and the Java time-skipping test server. */
export type TemporalServerKind = 'devServer' | 'testServer';

/** The Temporal servers have not been provisioned; the message says which command provisions them. */
export class TemporalToolsMissingError extends Error {
  override readonly name = 'TemporalToolsMissingError';
}

interface Manifest {
  temporalCli?: { version: string; path: string };
  testServer?: { version: string; path: string };
}

/** The tools folder: CERTFLOW_TOOLS_DIR or `.tools` at the repository root. */
export function toolsDir(env: NodeJS.ProcessEnv, repoRoot: string): string {
  return path.resolve(env.CERTFLOW_TOOLS_DIR || path.join(repoRoot, '.tools'));
}

function readManifest(dir: string): Manifest {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'temporal-tools.json'), 'utf8')) as Manifest;
  } catch {
    return {};
  }
}

function resolveOne(
  label: string,
  overrideVariable: string,
  provisioned: string | undefined,
  env: NodeJS.ProcessEnv,
): ServerExecutable {
  const override = env[overrideVariable];
  const candidate = override || provisioned;
  if (candidate && fs.existsSync(candidate)) return { type: 'existing-path', path: candidate };
  if (env.CERTFLOW_TEMPORAL_DOWNLOAD === '1') return { type: 'cached-download' };
  if (override) throw new TemporalToolsMissingError(`${label} was not found at ${override} (${overrideVariable})`);
  throw new TemporalToolsMissingError(
    `${label} is not provisioned: run \`node scripts/provision-temporal.js\` (npm start and npm test do it for you), ` +
      'or set CERTFLOW_TEMPORAL_DOWNLOAD=1 on a machine with internet',
  );
}

const SERVER_SOURCES: Record<TemporalServerKind, { label: string; override: string; manifestKey: keyof Manifest }> = {
  devServer: { label: 'the Temporal CLI', override: 'TEMPORAL_CLI_PATH', manifestKey: 'temporalCli' },
  testServer: { label: 'the Temporal test server', override: 'TEMPORAL_TEST_SERVER_PATH', manifestKey: 'testServer' },
};

/**
 * Locates one Temporal server: TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH first, then the one
 * scripts/provision-temporal.js put in the tools folder, then (CERTFLOW_TEMPORAL_DOWNLOAD=1) the SDK's download.
 */
export function resolveTemporalServer(
  kind: TemporalServerKind,
  env: NodeJS.ProcessEnv,
  repoRootDir: string,
): ServerExecutable {
  const source = SERVER_SOURCES[kind];
  const manifest = readManifest(toolsDir(env, repoRootDir));
  return resolveOne(source.label, source.override, manifest[source.manifestKey]?.path, env);
}

/** The repository root, from this module's location (source or dist/). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
