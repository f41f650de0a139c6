#!/usr/bin/env node
/**
 * Provisions the two Temporal servers certflow runs against, without downloading any binary at run time:
 * the Temporal CLI (dev server + Web UI) built from the Go module proxy, and the Java time-skipping test
 * server resolved from Maven Central. Both land in a git-ignored tools folder, with a manifest
 * (temporal-tools.json) that the worker, the CLI and the test harness read. Dependency-free on purpose: it
 * runs before `npm ci` has finished on a fresh clone. With --cluster it provisions, instead, the real Temporal
 * server and its SQL schema tool that `npm run cluster` runs on PostgreSQL (never for plain `npm start`).
 *
 * Usage: node scripts/provision-temporal.js [--cluster] [--check] [--json] [--quiet]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/**
 * Pinned Temporal CLI release: the last one the Go module proxy can build (later ones replace a nested module,
 * github.com/temporalio/cli/cliext, that the proxy does not serve).
 */
const TEMPORAL_CLI_VERSION = '1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli';
/**
 * The SQLite driver the dev server is built with. The CLI's own, modernc.org/sqlite 1.34.1, can leave the dev
 * server's database failing every query with "interrupted (9)" after a query was interrupted under load, until the
 * server restarts (cznic/sqlite issue 241, fixed in 1.44; Temporal's server moved to 1.44.3 for it): the chaos run
 * hit it on two busy cores, and every workflow stopped. The build raises only this module.
 */
const DEV_SERVER_SQLITE = 'modernc.org/sqlite@v1.44.3';
/** Pinned Java SDK release whose `temporal-test-server` artifact provides the time-skipping server. */
const TEST_SERVER_VERSION = '1.38.0';
const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
/** From 1.21 on the go command fetches the toolchain a module asks for (the CLI needs 1.25) through the module proxy. */
const GO_MIN_VERSION = [1, 21];

/** Pinned Temporal server release for `npm run cluster`; docker-compose.yml names the same version. */
const TEMPORAL_SERVER_VERSION = '1.29.1';
const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
/** The schema files temporal-sql-tool applies to PostgreSQL, inside the server module's source. */
const POSTGRES_SCHEMA_DIR = path.join('schema', 'postgresql', 'v12');

const MANIFEST_NAME = 'temporal-tools.json';

/** @typedef {{ version: string, recipe: string, path: string }} ProvisionedServer */

/** A tool the provisioning needs is not installed; the message says how to get it. */
class MissingToolError extends Error {
  constructor(tool, message) {
    super(message);
    this.name = 'MissingToolError';
    this.tool = tool;
  }
}

/** A provisioning step ran and failed; the message carries the command and its output. */
class ProvisioningError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

/** The tools folder: CERTFLOW_TOOLS_DIR or `.tools` at the repository root. */
function defaultToolsDir(env = process.env) {
  return path.resolve(env.CERTFLOW_TOOLS_DIR || path.join(__dirname, '..', '.tools'));
}

function readManifest(toolsDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(toolsDir, MANIFEST_NAME), 'utf8'));
  } catch {
    return {};
  }
}

function writeManifest(toolsDir, manifest) {
  const file = path.join(toolsDir, MANIFEST_NAME);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A short hash of everything that shapes a provisioned server, so a changed recipe provisions anew. */
function recipeOf(...parts) {
  return crypto.createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12);
}

function isCurrent(entry, recipe) {
  return Boolean(entry && entry.recipe === recipe && isExecutable(entry.path));
}

/** Runs a command, returning its output; a missing executable becomes a MissingToolError with `hint`. */
function run(command, args, { env, cwd, hint }) {
  const result = spawnSync(command, args, { env, cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error && result.error.code === 'ENOENT') {
    throw new MissingToolError(command, `\`${command}\` is not on PATH. ${hint}`);
  }
  if (result.error) throw new ProvisioningError(`${command} ${args.join(' ')} failed: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout || ''}${result.stderr || ''}`.trim().split('\n').slice(-40).join('\n');
    throw new ProvisioningError(`${command} ${args.join(' ')} exited with ${result.status}:\n${output}`);
  }
  return `${result.stdout || ''}${result.stderr || ''}`;
}

const GO_HINT =
  `certflow builds the Temporal CLI ${TEMPORAL_CLI_VERSION} (the dev server) from the Go module proxy and needs Go >= ` +
  `${GO_MIN_VERSION.join('.')}: install it (Debian/Ubuntu: apt-get install golang-go; elsewhere: https://go.dev/dl), ` +
  'or set TEMPORAL_CLI_PATH to a Temporal CLI you already have, or, on a machine with internet, set ' +
  'CERTFLOW_TEMPORAL_DOWNLOAD=1 to let the Temporal SDK download its own binaries.';

const JAVA_HINT =
  `certflow runs the Temporal time-skipping test server ${TEST_SERVER_VERSION} from Maven Central and needs a Java ` +
  'runtime (>= 11) and Maven: install them (Debian/Ubuntu: apt-get install default-jre-headless maven), or set ' +
  'TEMPORAL_TEST_SERVER_PATH to a test server you already have, or, on a machine with internet, set ' +
  'CERTFLOW_TEMPORAL_DOWNLOAD=1 to let the Temporal SDK download its own binaries.';

function checkGoVersion(env) {
  const out = run('go', ['version'], { env, hint: GO_HINT });
  const match = /go(\d+)\.(\d+)/.exec(out);
  if (!match) throw new ProvisioningError(`cannot read the Go version from \`go version\`: ${out.trim()}`);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < GO_MIN_VERSION[0] || (major === GO_MIN_VERSION[0] && minor < GO_MIN_VERSION[1])) {
    throw new MissingToolError('go', `Go ${major}.${minor} is too old. ${GO_HINT}`);
  }
}

const CLI_LDFLAGS = `-s -w -X ${TEMPORAL_CLI_MODULE}/temporalcli.Version=${TEMPORAL_CLI_VERSION}`;
const CLI_RECIPE = recipeOf('go build', TEMPORAL_CLI_MODULE, TEMPORAL_CLI_VERSION, CLI_LDFLAGS, DEV_SERVER_SQLITE);

/**
 * Builds the pinned CLI from its module source with DEV_SERVER_SQLITE in place of its own SQLite driver: `go mod
 * download` fetches the source from the module proxy, `go get` raises the driver in a writable copy, `go build`
 * builds it; the binary replaces the last good one in one rename.
 */
function provisionTemporalCli(toolsDir, env, log) {
  checkGoVersion(env);
  const binDir = path.join(toolsDir, 'bin');
  const target = path.join(binDir, 'temporal');
  const stage = fs.mkdtempSync(path.join(toolsDir, '.stage-cli-'));
  try {
    log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} from the Go module proxy (a few minutes the first time)…`);
    const goEnv = { ...env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
    const module = `${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`;
    const downloaded = run('go', ['mod', 'download', '-json', module], { env: goEnv, cwd: stage, hint: GO_HINT });
    const source = path.join(stage, 'source');
    fs.cpSync(JSON.parse(downloaded).Dir, source, { recursive: true });
    makeWritable(source);
    run('go', ['get', DEV_SERVER_SQLITE], { env: goEnv, cwd: source, hint: GO_HINT });
    const built = path.join(stage, 'temporal');
    run('go', ['build', '-trimpath', `-ldflags=${CLI_LDFLAGS}`, '-o', built, './cmd/temporal'], {
      env: goEnv,
      cwd: source,
      hint: GO_HINT,
    });
    fs.mkdirSync(binDir, { recursive: true });
    fs.renameSync(built, target);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  return { version: TEMPORAL_CLI_VERSION, recipe: CLI_RECIPE, path: target };
}

const SERVER_LDFLAGS = '-s -w';
const SERVER_RECIPE = recipeOf('go install', TEMPORAL_SERVER_MODULE, TEMPORAL_SERVER_VERSION, SERVER_LDFLAGS, 'pg12');

/** Lets the owner delete what was copied out of the read-only Go module cache. */
function makeWritable(target) {
  fs.chmodSync(target, fs.statSync(target).isDirectory() ? 0o755 : 0o644);
  if (fs.statSync(target).isDirectory()) {
    for (const entry of fs.readdirSync(target)) makeWritable(path.join(target, entry));
  }
}

/**
 * Builds the Temporal server and temporal-sql-tool with `go install` and copies the PostgreSQL schema from the
 * module's source in the Go module cache, all into `<tools>/temporal-server-<version>/`.
 */
function provisionTemporalServer(toolsDir, env, log) {
  checkGoVersion(env);
  const home = path.join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  log(
    `building the Temporal server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool with go install ` +
      '(about 10 minutes the first time on 2 busy cores)…',
  );
  installGoModule({
    toolsDir,
    home,
    env,
    hint: GO_HINT,
    module: TEMPORAL_SERVER_MODULE,
    version: TEMPORAL_SERVER_VERSION,
    ldflags: SERVER_LDFLAGS,
    commands: ['cmd/server', 'cmd/tools/sql'],
    finish: (stage, moduleSource) => {
      fs.renameSync(path.join(stage, 'bin', 'server'), path.join(stage, 'bin', 'temporal-server'));
      fs.renameSync(path.join(stage, 'bin', 'sql'), path.join(stage, 'bin', 'temporal-sql-tool'));
      fs.cpSync(path.join(moduleSource, POSTGRES_SCHEMA_DIR), path.join(stage, POSTGRES_SCHEMA_DIR), {
        recursive: true,
      });
      makeWritable(path.join(stage, 'schema'));
    },
  });
  return {
    version: TEMPORAL_SERVER_VERSION,
    recipe: SERVER_RECIPE,
    path: path.join(home, 'bin', 'temporal-server'),
    sqlTool: path.join(home, 'bin', 'temporal-sql-tool'),
    schemaDir: path.join(home, POSTGRES_SCHEMA_DIR),
  };
}

/**
 * Builds a Go module's commands with `go install` into a stage's `bin/`, lets `finish` rename them and copy what it
 * needs from the module's source in the Go module cache, then puts the stage in place of `home` in one rename, so a
 * failed build leaves the last good one.
 * @param {{ toolsDir: string, home: string, env: NodeJS.ProcessEnv, hint: string, module: string, version: string,
 *   ldflags: string, commands: string[], finish: (stage: string, moduleSource: string) => void }} build
 */
function installGoModule({ toolsDir, home, env, hint, module, version, ldflags, commands, finish }) {
  const stage = fs.mkdtempSync(path.join(toolsDir, `.stage-${path.basename(home)}-`));
  try {
    fs.mkdirSync(path.join(stage, 'bin'));
    const goEnv = { ...env, GOBIN: path.join(stage, 'bin'), CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
    const packages = commands.map((command) => `${module}/${command}@v${version}`);
    run('go', ['install', '-trimpath', `-ldflags=${ldflags}`, ...packages], { env: goEnv, cwd: toolsDir, hint });
    const modCache = run('go', ['env', 'GOMODCACHE'], { env, hint }).trim();
    finish(stage, path.join(modCache, `${module}@v${version}`));
    fs.rmSync(home, { recursive: true, force: true });
    fs.renameSync(stage, home);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

function testServerPom() {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/provision-temporal.js: resolves the time-skipping test server and its runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.certflow.tools</groupId>
  <artifactId>temporal-test-server-runtime</artifactId>
  <version>${TEST_SERVER_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
    <!-- Binds SLF4J to its no-op logger: the server would otherwise print a warning at every start. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
`;
}

function testServerWrapper(libDir) {
  // Client JIT and the serial collector roughly halve JVM start-up, which the SDK gives about 5 s.
  return `#!/bin/sh
# Written by scripts/provision-temporal.js: Temporal time-skipping test server ${TEST_SERVER_VERSION} (Maven Central jars).
# Usage: temporal-test-server <port> [--enable-time-skipping]
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m $CERTFLOW_TEST_SERVER_JAVA_OPTS -cp '${libDir}/*' io.temporal.testserver.TestServer "$@"
`;
}

const TEST_SERVER_RECIPE = recipeOf(testServerPom(), testServerWrapper('<lib>'));

function provisionTestServer(toolsDir, env, log) {
  run('java', ['-version'], { env, hint: JAVA_HINT });
  const home = path.join(toolsDir, `temporal-test-server-${TEST_SERVER_VERSION}-${TEST_SERVER_RECIPE}`);
  const libDir = path.join(home, 'lib');
  fs.mkdirSync(home, { recursive: true });
  if (!fs.existsSync(libDir)) {
    log(`resolving the Temporal test server ${TEST_SERVER_VERSION} and its jars from Maven Central…`);
    fs.writeFileSync(path.join(home, 'pom.xml'), testServerPom());
    const stage = fs.mkdtempSync(path.join(home, '.stage-lib-'));
    try {
      run(
        'mvn',
        [
          '-B',
          '-q',
          '-f',
          path.join(home, 'pom.xml'),
          `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
          `-DoutputDirectory=${stage}`,
          '-DincludeScope=runtime',
        ],
        { env, hint: JAVA_HINT },
      );
      if (!fs.existsSync(path.join(stage, `temporal-test-server-${TEST_SERVER_VERSION}.jar`))) {
        throw new ProvisioningError(`Maven finished but temporal-test-server-${TEST_SERVER_VERSION}.jar is missing`);
      }
      // A concurrent provisioning run may have won the race; its lib folder is as good as ours.
      if (!fs.existsSync(libDir)) fs.renameSync(stage, libDir);
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  }
  const binDir = path.join(toolsDir, 'bin');
  const target = path.join(binDir, 'temporal-test-server');
  fs.mkdirSync(binDir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, testServerWrapper(libDir), { mode: 0o755 });
  fs.renameSync(tmp, target);
  for (const entry of fs.readdirSync(toolsDir)) {
    const stale = entry.startsWith('temporal-test-server-') && path.join(toolsDir, entry) !== home;
    if (stale) fs.rmSync(path.join(toolsDir, entry), { recursive: true, force: true });
  }
  return { version: TEST_SERVER_VERSION, recipe: TEST_SERVER_RECIPE, path: target };
}

/**
 * @param {{ toolsDir?: string, env?: NodeJS.ProcessEnv, log?: (line: string) => void }} [options]
 * @returns {{ temporalCli?: ProvisionedServer, testServer?: ProvisionedServer }}
 *
 * Makes sure both servers are in the tools folder and returns the manifest. Idempotent: when the manifest names
 * the pinned versions and their executables exist, it returns at once. TEMPORAL_CLI_PATH /
 * TEMPORAL_TEST_SERVER_PATH skip a server (the user brings their own); CERTFLOW_TEMPORAL_DOWNLOAD=1 skips both.
 */
function provision({ toolsDir = defaultToolsDir(), env = process.env, log = () => {} } = {}) {
  if (env.CERTFLOW_TEMPORAL_DOWNLOAD === '1') {
    log('CERTFLOW_TEMPORAL_DOWNLOAD=1: the Temporal SDK will download its own servers');
    return readManifest(toolsDir);
  }
  fs.mkdirSync(toolsDir, { recursive: true });
  const manifest = readManifest(toolsDir);
  let changed = false;
  if (!env.TEMPORAL_CLI_PATH && !isCurrent(manifest.temporalCli, CLI_RECIPE)) {
    manifest.temporalCli = provisionTemporalCli(toolsDir, env, log);
    changed = true;
  }
  if (!env.TEMPORAL_TEST_SERVER_PATH && !isCurrent(manifest.testServer, TEST_SERVER_RECIPE)) {
    manifest.testServer = provisionTestServer(toolsDir, env, log);
    changed = true;
  }
  if (changed) {
    writeManifest(toolsDir, manifest);
    log(`Temporal servers ready in ${toolsDir}`);
  }
  return manifest;
}

/**
 * @param {{ toolsDir?: string, env?: NodeJS.ProcessEnv }} [options]
 * Whether both pinned servers are provisioned in `toolsDir` (or overridden by the environment). */
function isProvisioned({ toolsDir = defaultToolsDir(), env = process.env } = {}) {
  const manifest = readManifest(toolsDir);
  return (
    (Boolean(env.TEMPORAL_CLI_PATH) || isCurrent(manifest.temporalCli, CLI_RECIPE)) &&
    (Boolean(env.TEMPORAL_TEST_SERVER_PATH) || isCurrent(manifest.testServer, TEST_SERVER_RECIPE))
  );
}

/**
 * @param {{ toolsDir?: string, env?: NodeJS.ProcessEnv, log?: (line: string) => void }} [options]
 * @returns {ProvisionedServer & { sqlTool: string, schemaDir: string }}
 *
 * Makes sure the Temporal server, temporal-sql-tool and the PostgreSQL schema for `npm run cluster` are in the tools
 * folder (manifest key temporalServer) and returns them; fast when they already are.
 */
function provisionCluster({ toolsDir = defaultToolsDir(), env = process.env, log = () => {} } = {}) {
  fs.mkdirSync(toolsDir, { recursive: true });
  const manifest = readManifest(toolsDir);
  if (isCurrent(manifest.temporalServer, SERVER_RECIPE)) return manifest.temporalServer;
  const server = provisionTemporalServer(toolsDir, env, log);
  // Re-read: another provisioning run may have written the manifest while the server built.
  writeManifest(toolsDir, { ...readManifest(toolsDir), temporalServer: server });
  log(`Temporal server ${TEMPORAL_SERVER_VERSION} ready in ${path.dirname(path.dirname(server.path))}`);
  return server;
}

/**
 * @param {{ toolsDir?: string }} [options]
 * Whether the cluster's Temporal server is provisioned in `toolsDir`. */
function isClusterProvisioned({ toolsDir = defaultToolsDir() } = {}) {
  return isCurrent(readManifest(toolsDir).temporalServer, SERVER_RECIPE);
}

function main(argv) {
  const flags = new Set(argv);
  const unknown = [...flags].filter((flag) => !['--cluster', '--check', '--json', '--quiet'].includes(flag));
  if (unknown.length > 0) {
    process.stderr.write(
      `provision-temporal: unknown option ${unknown.join(', ')}; use --cluster, --check, --json or --quiet\n`,
    );
    return 2;
  }
  const cluster = flags.has('--cluster');
  const what = cluster ? `the Temporal server ${TEMPORAL_SERVER_VERSION} for npm run cluster` : 'the Temporal servers';
  const are = cluster ? `Temporal server ${TEMPORAL_SERVER_VERSION} is` : 'Temporal servers are';
  const quiet = flags.has('--quiet');
  const log = (line) => {
    if (!quiet) process.stderr.write(`[certflow] ${line}\n`);
  };
  if (flags.has('--check')) {
    const ok = cluster ? isClusterProvisioned() : isProvisioned();
    log(`${are} ${ok ? 'provisioned' : 'not provisioned'}`);
    return ok ? 0 : 1;
  }
  try {
    const manifest = cluster ? provisionCluster({ log }) : provision({ log });
    if (flags.has('--json')) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`[certflow] cannot provision ${what}: ${error.message}\n`);
    return error instanceof MissingToolError ? 3 : 1;
  }
}

module.exports = {
  provision,
  run,
  installGoModule,
  recipeOf,
  isExecutable,
  makeWritable,
  isProvisioned,
  provisionCluster,
  isClusterProvisioned,
  TEMPORAL_SERVER_VERSION,
  defaultToolsDir,
  MissingToolError,
  ProvisioningError,
  MANIFEST_NAME,
  TEMPORAL_CLI_VERSION,
  TEST_SERVER_VERSION,
};

if (require.main === module) process.exitCode = main(process.argv.slice(2));
