/**
 * PostgreSQL for tests. With `DATABASE_URL=postgres://…` the tests use that server; otherwise each test file
 * starts a throwaway server of its own (initdb into a temp folder, trust auth, fsync off, 127.0.0.1 on a free port)
 * and removes it afterwards. Either way every database a test asks for is created fresh and dropped at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

/** The PostgreSQL server binaries are not installed; the message says what to install. */
export class PostgresToolsMissingError extends Error {
  override readonly name = 'PostgresToolsMissingError';
  constructor() {
    super(
      'PostgreSQL server binaries (initdb, postgres) were found neither on PATH nor in /usr/lib/postgresql/*/bin. ' +
        'Install them (Debian/Ubuntu: `sudo apt-get install postgresql`, Fedora: `sudo dnf install ' +
        'postgresql-server`, macOS: `brew install postgresql@16`), or set DATABASE_URL=postgres://user:password@' +
        'host:5432/postgres to run the tests against a server of yours (the user needs CREATEDB)',
    );
  }
}

/** The throwaway server did not start; the message ends with its log. */
export class PostgresStartError extends Error {
  override readonly name = 'PostgresStartError';
}

/** A PostgreSQL server for one test file. */
export interface TestPostgres {
  /** Creates an empty database and returns its URL; it is dropped by {@link TestPostgres.stop}. */
  createDatabase(): Promise<string>;
  /** Drops the databases created here and, for a throwaway server, stops it and deletes its files. */
  stop(): Promise<void>;
}

/** `DATABASE_URL` when it names a PostgreSQL server, else a throwaway server started for this file. */
export async function startTestPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const external = env.DATABASE_URL;
  if (external !== undefined && /^postgres(ql)?:\/\//.test(external))
    return databasesOn(external, () => Promise.resolve());
  const server = await startThrowawayServer();
  return databasesOn(server.url, server.stop);
}

/** Hands out fresh databases on the server at `adminUrl` and drops them all on stop. */
function databasesOn(adminUrl: string, stopServer: () => Promise<void>): TestPostgres {
  const created: string[] = [];
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    async createDatabase() {
      const name = `certflow_test_${randomBytes(6).toString('hex')}`;
      await admin((client) => client.query(`create database ${name}`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      try {
        if (created.length > 0) {
          await admin(async (client) => {
            for (const name of created.splice(0)) {
              // WITH (FORCE) needs PostgreSQL 13; older servers drop once the store has closed its connections.
              await client
                .query(`drop database if exists ${name} with (force)`)
                .catch(() => client.query(`drop database if exists ${name}`));
            }
          });
        }
      } finally {
        await stopServer();
      }
    },
  };
}

/** Finds the folder holding initdb and postgres: PATH first, then Debian's /usr/lib/postgresql/<n>/bin, newest first. */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const hasServer = (dir: string) => ['initdb', 'postgres'].every((tool) => fs.existsSync(path.join(dir, tool)));
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
function installPostgres(): boolean {
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

/** The OS user the server runs as: ourselves, or `postgres` when we are root (postgres refuses to run as root). */
function serverUser(): { name: string; uid: number; gid: number } | null {
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
function asUser(user: { name: string } | null, command: string, args: string[]): [string, string[]] {
  if (user === null) return [command, args];
  if (spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status === 0) {
    return ['runuser', ['-u', user.name, '--', command, ...args]];
  }
  const quoted = [command, ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['-s', '/bin/sh', user.name, '-c', `exec ${quoted}`]];
}

async function startThrowawayServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  let binDir = findPostgresBinDir();
  if (binDir === null && installPostgres()) binDir = findPostgresBinDir();
  if (binDir === null) throw new PostgresToolsMissingError();
  const user = serverUser();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-pg-'));
  const dataDir = path.join(root, 'data');
  const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
  try {
    if (user !== null) fs.chownSync(root, user.uid, user.gid);
    const [initCommand, initArgs] = asUser(user, path.join(binDir, 'initdb'), [
      ...['-D', dataDir, '-A', 'trust', '-U', 'certflow', '-E', 'UTF8', '--locale=C', '--no-sync'],
    ]);
    const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
    if (init.status !== 0) throw new PostgresStartError(`initdb failed:\n${init.stdout}${init.stderr}`);
    // A port can be taken between freePort() and the server binding it; try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const started = await startServer(binDir, user, dataDir, root, port);
      if (started.ok) {
        return {
          url: `postgres://certflow@127.0.0.1:${port}/postgres`,
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

type StartResult = { ok: true; child: ChildProcess } | { ok: false; log: string };

/** Starts postgres and waits until it accepts connections, or until it exits (with its log). */
async function startServer(
  binDir: string,
  user: { name: string } | null,
  dataDir: string,
  socketDir: string,
  port: number,
): Promise<StartResult> {
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '50',
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const [command, commandArgs] = asUser(user, path.join(binDir, 'postgres'), args);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
  // If the test process ends without stop() (a crash, a kill), take the server down with it: a stray one would
  // keep its port and files. SIGQUIT is PostgreSQL's immediate shutdown; this handler has to be synchronous.
  const killOnExit = () => {
    const pid = postmasterPid(dataDir);
    try {
      if (pid !== undefined) process.kill(pid, 'SIGQUIT');
    } catch {
      // Already gone.
    }
    fs.rmSync(socketDir, { recursive: true, force: true });
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
async function canConnect(url: string): Promise<boolean> {
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
async function stopServer(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(postmasterPid(dataDir) ?? child.pid!, 'SIGINT');
  } catch {
    child.kill('SIGINT');
  }
  await exited;
}

/** The postmaster's process id from its pid file (the child we spawned may be runuser), if it is running. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
