/**
 * A local PostgreSQL server from the distribution's binaries (Debian's /usr/lib/postgresql/<n>/bin, installed with
 * apt-get when we are root and may): initdb into a folder, trust auth, 127.0.0.1 on a free port. The inventory tests
 * (test/support/postgres.ts) start throwaway ones; `npm run cluster` (scripts/cluster.js) starts one that keeps its
 * folder. Needs the `pg` package, so unlike provision-temporal.js it runs only after npm install.
 */
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const pg = require('pg');

/** The PostgreSQL server binaries are not installed; the message says what to install. */
class PostgresToolsMissingError extends Error {
  constructor() {
    super(
      'PostgreSQL server binaries (initdb, postgres) were found neither on PATH nor in /usr/lib/postgresql/*/bin. ' +
        'Install them (Debian/Ubuntu: `sudo apt-get install postgresql`, Fedora: `sudo dnf install ' +
        'postgresql-server`, macOS: `brew install postgresql@16`), or set DATABASE_URL=postgres://user:password@' +
        'host:5432/postgres to run the tests against a server of yours (the user needs CREATEDB)',
    );
    this.name = 'PostgresToolsMissingError';
  }
}

/** The server did not start; the message ends with its log. */
class PostgresStartError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PostgresStartError';
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string | null}
 * Finds the folder holding initdb and postgres: PATH first, then Debian's /usr/lib/postgresql/<n>/bin, newest first.
 */
function findPostgresBinDir(env = process.env) {
  const hasServer = (dir) => ['initdb', 'postgres'].every((tool) => fs.existsSync(path.join(dir, tool)));
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const initdb = path.join(dir, 'initdb');
    if (!fs.existsSync(initdb)) continue;
    // /usr/local/bin/initdb may be a symlink: postgres must come from the same installation.
    const realDir = path.dirname(fs.realpathSync(initdb));
    if (hasServer(realDir)) return realDir;
  }
  const debianRoot = '/usr/lib/postgresql';
  const versions = fs.existsSync(debianRoot)
    ? fs
        .readdirSync(debianRoot)
        .filter((name) => /^\d+(\.\d+)?$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const dir = path.join(debianRoot, version, 'bin');
    if (hasServer(dir)) return dir;
  }
  return null;
}

const isRoot = () => process.getuid?.() === 0;

/** Installs Debian's postgresql package when we may (root with apt-get); returns whether it did. */
function installPostgres() {
  if (!isRoot() || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return false;
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (install()) return true;
  // A fresh container has no package lists yet.
  spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return install();
}

/** The folder holding initdb and postgres, installing Debian's package first when it is missing and we may. */
function requirePostgresBinDir() {
  let binDir = findPostgresBinDir();
  if (binDir === null && installPostgres()) binDir = findPostgresBinDir();
  if (binDir === null) throw new PostgresToolsMissingError();
  return binDir;
}

/** The OS user the server runs as: ourselves, or `postgres` when we are root (postgres refuses to run as root). */
function serverUser() {
  if (!isRoot()) return null;
  const lookup = () => spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    const created = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/false', 'postgres'], {
      encoding: 'utf8',
    });
    if (created.status !== 0) {
      throw new PostgresStartError(`running as root and no "postgres" user could be created: ${created.stderr}`);
    }
  }
  const uid = Number(lookup().stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { name: 'postgres', uid, gid };
}

/** The command line that runs `command` as `user` (unchanged when we are not root). */
function asUser(user, command, args) {
  if (user === null) return [command, args];
  if (spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status === 0) {
    return ['runuser', ['-u', user.name, '--', command, ...args]];
  }
  const quoted = [command, ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['-s', '/bin/sh', user.name, '-c', `exec ${quoted}`]];
}

/**
 * @param {{ folder?: string }} [options]
 * @returns {Promise<{ url: string, port: number, folder: string, stop: () => Promise<void> }>}
 *
 * Starts PostgreSQL with its data in `<folder>/data` (initdb on first use) and its socket in `folder`, and resolves
 * with the admin URL (user certflow, database postgres) once it accepts queries. Without `folder` the server is
 * throwaway: a temp folder, removed by stop(). With one, stop() leaves it for the next start.
 */
async function startPostgres({ folder } = {}) {
  const binDir = requirePostgresBinDir();
  const user = serverUser();
  const throwaway = folder === undefined;
  const root = throwaway ? fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-pg-')) : path.resolve(folder);
  const dataDir = path.join(root, 'data');
  const cleanup = () => {
    if (throwaway) fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    // Only the server's own folder is private: when we are root, the `postgres` user must still reach it.
    fs.mkdirSync(path.dirname(root), { recursive: true });
    if (!fs.existsSync(root)) fs.mkdirSync(root, { mode: 0o700 });
    if (user !== null) fs.chownSync(root, user.uid, user.gid);
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
      const [initCommand, initArgs] = asUser(user, path.join(binDir, 'initdb'), [
        ...['-D', dataDir, '-A', 'trust', '-U', 'certflow', '-E', 'UTF8', '--locale=C', '--no-sync'],
      ]);
      const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
      if (init.status !== 0) throw new PostgresStartError(`initdb failed:\n${init.stdout}${init.stderr}`);
    }
    // A port can be taken between freePort() and the server binding it; try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const started = await startServer(binDir, user, dataDir, root, port, { durable: !throwaway });
      if (started.ok) {
        return {
          url: `postgres://certflow@127.0.0.1:${port}/postgres`,
          port,
          folder: root,
          stop: async () => {
            await stopServer(started.child, dataDir);
            cleanup();
          },
        };
      }
      if (attempt === 3 || !/could not bind|address already in use/i.test(started.log)) {
        throw new PostgresStartError(`PostgreSQL did not start:\n${started.log.split('\n').slice(-20).join('\n')}`);
      }
    }
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** Starts postgres and waits until it accepts connections, or until it exits (with its log). */
async function startServer(binDir, user, dataDir, socketDir, port, { durable }) {
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    // A throwaway server trades durability for speed; one that keeps its folder must survive a crash.
    ...(durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    // Room for a Temporal server (a pool per service) and two workers on one server: test/e2e/cluster.test.ts.
    max_connections: '200',
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const [command, commandArgs] = asUser(user, path.join(binDir, 'postgres'), args);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk) => (log += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', () => resolve('exited')));
  // If this process ends without stop() (a crash, a kill), take the server down with it: a stray one would keep its
  // port and files. SIGQUIT is PostgreSQL's immediate shutdown; this handler has to be synchronous.
  const killOnExit = () => {
    const pid = postmasterPid(dataDir);
    try {
      if (pid !== undefined) process.kill(pid, 'SIGQUIT');
    } catch {
      // Already gone.
    }
    if (!durable) fs.rmSync(socketDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const url = `postgres://certflow@127.0.0.1:${port}/postgres`;
  for (;;) {
    const outcome = await Promise.race([exited, canConnect(url)]);
    if (outcome === 'exited') return { ok: false, log };
    if (outcome) return { ok: true, child };
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))]);
  }
}

/** One connection attempt: true when the server accepts queries. */
async function canConnect(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Fast shutdown (SIGINT to the postmaster, whose pid is in postmaster.pid), then waits for it to exit. */
async function stopServer(child, dataDir) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(postmasterPid(dataDir) ?? child.pid, 'SIGINT');
  } catch {
    child.kill('SIGINT');
  }
  await exited;
}

/** The postmaster's process id from its pid file (the child we spawned may be runuser), if it is running. */
function postmasterPid(dataDir) {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

module.exports = { startPostgres, freePort, findPostgresBinDir, PostgresToolsMissingError, PostgresStartError };
