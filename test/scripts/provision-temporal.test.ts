import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/temporal';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'provision-temporal.js');

describe('scripts/provision-temporal.js', () => {
  let sandbox: string;
  let bin: string;
  let toolsDir: string;

  beforeEach(() => {
    sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-provision-'));
    bin = path.join(sandbox, 'bin');
    toolsDir = path.join(sandbox, 'tools');
    fs.mkdirSync(bin);
    // The fake tools are shell scripts; nothing else from the machine (its real go, java or mvn) is on PATH.
    fs.symlinkSync('/bin/chmod', path.join(bin, 'chmod'));
  });
  afterEach(() => {
    fs.rmSync(sandbox, { recursive: true, force: true });
  });

  /** Puts a fake command on the sandbox PATH that logs its arguments and runs `body`. */
  function fakeTool(name: string, body: string): void {
    const file = path.join(bin, name);
    fs.writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> "${sandbox}/calls.log"\n${body}\n`, { mode: 0o755 });
  }

  function calls(): string[] {
    const log = path.join(sandbox, 'calls.log');
    return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
  }

  /** Runs the script with only the sandbox's fake tools on PATH. */
  function provision(args: string[] = [], env: NodeJS.ProcessEnv = {}) {
    const result = spawnSync(process.execPath, [SCRIPT, ...args], {
      encoding: 'utf8',
      env: { PATH: bin, CERTFLOW_TOOLS_DIR: toolsDir, ...env },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** The CLI's module source that the fake `go mod download` names, read-only as in the Go module cache. */
  function fakeModuleSource(): string {
    const source = path.join(sandbox, 'gomodcache', 'github.com', 'temporalio', 'cli@v1.5.1');
    fs.mkdirSync(path.join(source, 'cmd', 'temporal'), { recursive: true });
    fs.writeFileSync(path.join(source, 'go.mod'), 'module github.com/temporalio/cli\n', { mode: 0o444 });
    return source;
  }

  /**
   * Fake go that "downloads" the CLI's source, "raises" a module in it and "builds" a temporal binary where `-o`
   * says, and fake java + mvn that "resolve" the jars.
   */
  function fakeToolchain(goVersion = 'go1.26.8'): void {
    const source = fakeModuleSource();
    fakeTool(
      'go',
      `case "$1" in
  version) echo "go version ${goVersion} linux/amd64";;
  mod) echo '{"Path": "github.com/temporalio/cli", "Dir": "${source}"}';;
  get) [ -w go.mod ] || { echo "go.mod is read-only" >&2; exit 1; };;
  build) while [ "$1" != -o ]; do shift; done; printf '#!/bin/sh\\necho temporal\\n' > "$2"; chmod +x "$2";;
esac`,
    );
    fakeTool('java', 'exit 0');
    fakeTool(
      'mvn',
      `for arg in "$@"; do case "$arg" in -DoutputDirectory=*) out="\${arg#-DoutputDirectory=}";; esac; done
: > "$out/temporal-test-server-1.38.0.jar"`,
    );
  }

  it('names Go, and how to get it, when go is not installed', () => {
    const result = provision();
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/cannot provision the Temporal servers: `go` is not on PATH/);
    expect(result.stderr).toMatch(/needs Go >= 1\.21: install it \(Debian\/Ubuntu: apt-get install golang-go/);
    expect(result.stderr).toMatch(/CERTFLOW_TEMPORAL_DOWNLOAD=1/);
  });

  it('names Java and Maven when they are missing', () => {
    fakeToolchain();
    fs.rmSync(path.join(bin, 'java'));
    const result = provision();
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /`java` is not on PATH\. certflow runs the Temporal time-skipping test server 1\.38\.0/,
    );
    expect(result.stderr).toMatch(/apt-get install default-jre-headless maven/);
  });

  it('refuses a Go older than 1.21, saying which version it found', () => {
    fakeToolchain('go1.19.3');
    const result = provision();
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Go 1\.19 is too old/);
  });

  it('builds the pinned CLI and resolves the test server, then does nothing on the next run', () => {
    fakeToolchain();
    expect(provision(['--quiet']).code).toBe(0);
    // The CLI is built from its source with the SQLite driver raised (the dev server's "interrupted (9)" fix).
    expect(calls().filter((call) => call.startsWith('go ') && !call.startsWith('go version'))).toEqual([
      'go mod download -json github.com/temporalio/cli@v1.5.1',
      'go get modernc.org/sqlite@v1.44.3',
      expect.stringMatching(
        /^go build -trimpath -ldflags=.*temporalcli\.Version=1\.5\.1 -o .*\/temporal \.\/cmd\/temporal$/,
      ),
    ]);
    expect(calls().filter((call) => call.startsWith('mvn'))).toHaveLength(1);
    const manifest = JSON.parse(fs.readFileSync(path.join(toolsDir, 'temporal-tools.json'), 'utf8')) as Record<
      string,
      { version: string; path: string }
    >;
    expect(manifest.temporalCli?.version).toBe('1.5.1');
    expect(manifest.testServer?.version).toBe('1.38.0');
    const wrapper = fs.readFileSync(manifest.testServer!.path, 'utf8');
    expect(wrapper).toMatch(/exec java .* io\.temporal\.testserver\.TestServer "\$@"/);

    fs.rmSync(path.join(sandbox, 'calls.log'));
    const again = provision(['--json']);
    expect(again.code).toBe(0);
    expect(calls()).toEqual([]);
    expect(JSON.parse(again.stdout)).toEqual(manifest);
    expect(provision(['--check']).code).toBe(0);
  });

  it('rebuilds a server whose executable disappeared', () => {
    fakeToolchain();
    provision(['--quiet']);
    fs.rmSync(path.join(toolsDir, 'bin', 'temporal'));
    expect(provision(['--check']).code).toBe(1);
    fs.rmSync(path.join(sandbox, 'calls.log'));
    expect(provision(['--quiet']).code).toBe(0);
    expect(calls().filter((call) => call.startsWith('go build'))).toHaveLength(1);
    expect(calls().filter((call) => call.startsWith('mvn'))).toEqual([]);
  });

  it('shows the failing command and its output when a build fails', () => {
    fakeToolchain();
    fakeTool(
      'go',
      'if [ "$1" = version ]; then echo "go version go1.26.8"; exit 0; fi\necho "proxy said 404" >&2; exit 1',
    );
    const result = provision();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/go mod download .* exited with 1:\nproxy said 404/);
    expect(fs.existsSync(path.join(toolsDir, 'temporal-tools.json'))).toBe(false);
  });

  it('skips the servers the user brings, and everything with CERTFLOW_TEMPORAL_DOWNLOAD=1', () => {
    expect(provision([], { TEMPORAL_CLI_PATH: '/opt/temporal', TEMPORAL_TEST_SERVER_PATH: '/opt/ts' }).code).toBe(0);
    expect(provision([], { CERTFLOW_TEMPORAL_DOWNLOAD: '1' }).code).toBe(0);
    expect(calls()).toEqual([]);
  });

  it('builds the cluster server and schema tool only with --cluster, copying the schema from the module cache', () => {
    fakeToolchain();
    const modCache = path.join(sandbox, 'gomodcache');
    const versioned = path.join(modCache, 'go.temporal.io', 'server@v1.29.1', 'schema', 'postgresql', 'v12');
    fs.mkdirSync(path.join(versioned, 'temporal', 'versioned', 'v1.0'), { recursive: true });
    fs.writeFileSync(path.join(versioned, 'temporal', 'versioned', 'v1.0', 'manifest.json'), '{}');
    // The module cache is read-only; the copy must still be removable.
    fs.chmodSync(path.join(versioned, 'temporal', 'versioned', 'v1.0'), 0o555);
    fakeTool(
      'go',
      `case "$1" in
  version) echo "go version go1.26.8 linux/amd64";;
  env) echo "${modCache}";;
  mod) echo '{"Dir": "${fakeModuleSource()}"}';;
  build) while [ "$1" != -o ]; do shift; done; printf '#!/bin/sh\\n' > "$2"; chmod +x "$2";;
  install) for tool in server sql; do printf '#!/bin/sh\\n' > "$GOBIN/$tool"; chmod +x "$GOBIN/$tool"; done;;
esac`,
    );
    expect(provision(['--quiet']).code).toBe(0);
    expect(calls().filter((call) => call.includes('go.temporal.io/server'))).toEqual([]);
    expect(provision(['--cluster', '--check']).code).toBe(1);

    const built = provision(['--cluster', '--json']);
    expect(built.code, built.stderr).toBe(0);
    expect(calls().filter((call) => call.startsWith('go install'))).toContainEqual(
      expect.stringMatching(
        /go\.temporal\.io\/server\/cmd\/server@v1\.29\.1 go\.temporal\.io\/server\/cmd\/tools\/sql@v1\.29\.1/,
      ),
    );
    const server = JSON.parse(built.stdout) as { version: string; path: string; sqlTool: string; schemaDir: string };
    expect(server.version).toBe('1.29.1');
    expect(path.basename(server.path)).toBe('temporal-server');
    expect(path.basename(server.sqlTool)).toBe('temporal-sql-tool');
    expect(fs.existsSync(path.join(server.schemaDir, 'temporal', 'versioned', 'v1.0', 'manifest.json'))).toBe(true);
    expect(provision(['--cluster', '--check']).code).toBe(0);
    expect(provision(['--check']).code).toBe(0);
    fs.chmodSync(path.join(versioned, 'temporal', 'versioned', 'v1.0'), 0o755);
  });

  it('rejects an unknown option', () => {
    const result = provision(['--force']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option --force; use --cluster, --check, --json or --quiet/);
  });
});
