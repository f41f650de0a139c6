#!/usr/bin/env node
/**
 * `npm run cluster`: the docker-compose.yml topology on this machine, without Docker. One PostgreSQL (Debian's,
 * started as the inventory tests start theirs) holds Temporal's two databases and certflow's inventory; the real
 * Temporal server (built from go.temporal.io/server by provision-temporal.js --cluster) runs all its services in one
 * process on loopback ports chosen free; two `certflow worker` processes share the inventory and the internal CA's
 * folder. State is kept in .cache/cluster/ between runs (not data/: certflow keeps that folder private to its
 * user, and PostgreSQL, which runs as `postgres` when we are root, must reach its own folder); Ctrl-C stops everything, workers first.
 *
 * A script rather than a certflow subcommand: it provisions and runs other programs (Go and PostgreSQL binaries,
 * certflow itself) the way bootstrap.js does, and the worker image built from the Dockerfile must not carry it.
 * test/e2e/cluster.test.ts runs the same startTemporalCluster on a test PostgreSQL.
 *
 * Usage: node scripts/cluster.js [--json]
 */
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');
const pg = require('pg');
const YAML = require('yaml');
const { provisionCluster, TEMPORAL_SERVER_VERSION } = require('./provision-temporal');
const { freePort, startPostgres } = require('./provision-postgres');

const ROOT = path.resolve(__dirname, '..');
const NAMESPACE = 'default';
const NAMESPACE_RETENTION_DAYS = 30;

/** What docker-compose.yml must describe too; test/scripts/cluster-compose.test.ts compares the two. */
const CLUSTER_TOPOLOGY = {
  temporalVersion: TEMPORAL_SERVER_VERSION,
  databases: { temporal: 'temporal', visibility: 'temporal_visibility', inventory: 'certflow' },
  workers: 2,
  /** The variables each worker is started with (besides its log level). */
  workerEnv: [
    'TEMPORAL_ADDRESS',
    'TEMPORAL_NAMESPACE',
    'CERTFLOW_TASK_QUEUE',
    'CERTFLOW_DATABASE_URL',
    'CERTFLOW_DATA_DIR',
    'CERTFLOW_HTTP_PORT',
    'CERTFLOW_PUBLIC_URL',
  ],
};

/** A step of the cluster's start failed; the message says which and ends with what the program printed. */
class ClusterStartError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ClusterStartError';
  }
}

/** A free port below 32768: the server stores membership ports in a smallint column, and the OS's picks are higher. */
async function freeMembershipPort() {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    const server = net.createServer();
    const bound = await new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: '127.0.0.1', port }, () => resolve(true));
    });
    if (bound) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

/** The server's own ports: gRPC, HTTP and membership (ringpop) per service, all on 127.0.0.1. */
async function serverPorts() {
  const ports = {};
  for (const name of ['frontend', 'frontendHttp', 'history', 'matching', 'worker']) ports[name] = await freePort();
  for (const name of ['frontend', 'history', 'matching', 'worker']) {
    ports[`${name}Membership`] = await freeMembershipPort();
  }
  return ports;
}

/** The end of the server's log, its JSON lines shortened to level, message and error. */
function logTail(logFile) {
  if (!fs.existsSync(logFile)) return '';
  const brief = (line) => {
    try {
      const entry = JSON.parse(line);
      return `${entry.level} ${entry.msg}${entry.error ? `: ${entry.error}` : ''}`;
    } catch {
      return line;
    }
  };
  return fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).map(brief).join('\n');
}

/** The Temporal server's configuration: postgres12 persistence and visibility, every service in one process. */
function temporalServerConfig({ databases, ports, logLevel = 'warn' }) {
  const datastore = (url, maxConns) => {
    const parsed = new URL(url);
    return {
      sql: {
        pluginName: 'postgres12',
        databaseName: parsed.pathname.slice(1),
        connectAddr: `${parsed.hostname}:${parsed.port || 5432}`,
        connectProtocol: 'tcp',
        user: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
        maxConns,
        maxIdleConns: maxConns,
        maxConnLifetime: '1h',
      },
    };
  };
  const service = (grpcPort, membershipPort, extra = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  return {
    log: { stdout: true, level: logLevel },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: {
        // Per service, and all four run in this process: 4 × (8 + 2) connections at most.
        'postgres-default': datastore(databases.temporal, 8),
        'postgres-visibility': datastore(databases.visibility, 2),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
  };
}

/** Runs temporal-sql-tool against one database; a failure carries its output. */
function sqlTool(server, url, args) {
  const parsed = new URL(url);
  const connection = ['--plugin', 'postgres12', '--ep', parsed.hostname, '-p', parsed.port || '5432'];
  const credentials = ['-u', decodeURIComponent(parsed.username), '--pw', decodeURIComponent(parsed.password)];
  const full = [...connection, ...credentials, '--db', parsed.pathname.slice(1), ...args];
  const result = spawnSync(server.sqlTool, full, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new ClusterStartError(
      `temporal-sql-tool ${full.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`,
    );
  }
}

/** Runs `query` on the server at `url` but in its `postgres` database (the one that always exists). */
async function onServer(url, query, values) {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return (await client.query(query, values)).rows;
  } finally {
    await client.end();
  }
}

async function databaseExists(url) {
  const rows = await onServer(url, 'select 1 from pg_database where datname = $1', [new URL(url).pathname.slice(1)]);
  return rows.length > 0;
}

async function hasSchemaVersion(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("select to_regclass('public.schema_version') is not null as present");
    return rows[0].present === true;
  } finally {
    await client.end();
  }
}

/**
 * Creates the databases that do not exist (temporal-sql-tool create-database) and brings Temporal's two schemas to
 * the server's version (setup-schema -v 0.0 once, then update-schema), as deploy/temporal/setup-schema.sh does.
 */
async function prepareDatabases(server, databases) {
  for (const url of Object.values(databases)) {
    if (!(await databaseExists(url))) sqlTool(server, url, ['create-database']);
  }
  for (const [name, folder] of [
    ['temporal', 'temporal'],
    ['visibility', 'visibility'],
  ]) {
    const url = databases[name];
    if (!(await hasSchemaVersion(url))) sqlTool(server, url, ['setup-schema', '-v', '0.0']);
    sqlTool(server, url, ['update-schema', '-d', path.join(server.schemaDir, folder, 'versioned')]);
  }
}

/** Resolves once the frontend answers its health check; rejects with the server's log if it exits first. */
async function waitForFrontend(address, child, logFile) {
  const { Connection } = require('@temporalio/client');
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let done = false;
  exited.then(() => (done = true));
  for (;;) {
    const attempt = (async () => {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return connection;
      } catch (error) {
        await connection.close();
        throw error;
      }
    })().catch(() => undefined);
    const outcome = await Promise.race([attempt, exited.then((status) => ({ status }))]);
    if (outcome && 'status' in outcome) {
      throw new ClusterStartError(
        `the Temporal server exited (${outcome.status}) before it answered:\n${logTail(logFile)}`,
      );
    }
    if (outcome) return outcome;
    if (done) continue;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** gRPC's ALREADY_EXISTS and NOT_FOUND codes. */
const GRPC = { NOT_FOUND: 5, ALREADY_EXISTS: 6 };

/**
 * Registers certflow's namespace (idempotent) and its search attributes, with src/runtime/search-attributes.ts
 * from dist/; the frontend learns a new namespace within a few seconds, so NOT_FOUND is retried meanwhile.
 */
async function prepareNamespace(connection) {
  const { ensureSearchAttributes } = require(path.join(ROOT, 'dist', 'runtime', 'search-attributes.js'));
  try {
    await connection.workflowService.registerNamespace({
      namespace: NAMESPACE,
      workflowExecutionRetentionPeriod: { seconds: NAMESPACE_RETENTION_DAYS * 86_400 },
    });
  } catch (error) {
    if (error.code !== GRPC.ALREADY_EXISTS) throw error;
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await ensureSearchAttributes(connection, NAMESPACE);
    } catch (error) {
      if (error.code !== GRPC.NOT_FOUND || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Stops a child with `signal` and waits for it; SIGKILL when it is still there after `graceMs`. */
async function stopChild(child, signal = 'SIGTERM', graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * @param {{ folder: string, databases?: { temporal: string, visibility: string, inventory: string },
 *   log?: (line: string) => void }} options
 *
 * Starts the cluster minus its workers: PostgreSQL in `<folder>/postgres` unless `databases` names three databases
 * on a server of the caller's, the schemas, the Temporal server (config and log in `<folder>/temporal`), the
 * namespace and search attributes. Returns where everything is, the environment a worker needs, and stop().
 */
async function startTemporalCluster({ folder, databases, log = () => {} }) {
  const stops = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const server = provisionCluster({ log });
    let urls = databases;
    if (urls === undefined) {
      log('starting PostgreSQL…');
      const postgres = await startPostgres({ folder: path.join(folder, 'postgres') });
      stops.push(postgres.stop);
      const on = (name) => Object.assign(new URL(postgres.url), { pathname: `/${name}` }).toString();
      const names = CLUSTER_TOPOLOGY.databases;
      urls = { temporal: on(names.temporal), visibility: on(names.visibility), inventory: on(names.inventory) };
    }
    log('preparing the databases (temporal-sql-tool)…');
    await prepareDatabases(server, urls);

    const ports = await serverPorts();
    const temporalDir = path.join(folder, 'temporal');
    fs.mkdirSync(path.join(temporalDir, 'config'), { recursive: true });
    const configFile = path.join(temporalDir, 'config', 'development.yaml');
    fs.writeFileSync(configFile, YAML.stringify(temporalServerConfig({ databases: urls, ports })));
    const logFile = path.join(temporalDir, 'temporal.log');
    const logFd = fs.openSync(logFile, 'a');
    log(`starting the Temporal server ${server.version}…`);
    // Its own process group: the terminal's Ctrl-C reaches only this script, which stops the workers first.
    const child = spawn(
      server.path,
      ['--root', temporalDir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
      { stdio: ['ignore', logFd, logFd], detached: true },
    );
    fs.closeSync(logFd);
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    stops.push(async () => {
      await stopChild(child);
      process.removeListener('exit', killOnExit);
    });
    const address = `127.0.0.1:${ports.frontend}`;
    const connection = await waitForFrontend(address, child, logFile);
    try {
      const added = await prepareNamespace(connection);
      if (added.length > 0) log(`registered search attributes in namespace ${NAMESPACE}: ${added.join(', ')}`);
    } finally {
      await connection.close();
    }
    return {
      address,
      namespace: NAMESPACE,
      temporalVersion: server.version,
      temporalPid: child.pid,
      configFile,
      logFile,
      databases: urls,
      /** The environment of worker `index` (1-based); every worker shares the inventory and the CA's folder. */
      workerEnv(index, httpPort, publicUrl) {
        return {
          TEMPORAL_ADDRESS: address,
          TEMPORAL_NAMESPACE: NAMESPACE,
          CERTFLOW_TASK_QUEUE: 'certflow',
          CERTFLOW_DATABASE_URL: urls.inventory,
          CERTFLOW_DATA_DIR: path.join(folder, 'certflow'),
          CERTFLOW_HTTP_PORT: String(httpPort),
          CERTFLOW_PUBLIC_URL: publicUrl,
        };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts `certflow worker` number `index`, its output prefixed, and resolves once it says it runs. */
function startWorker(index, env) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'worker'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new ClusterStartError(`worker ${index} exited (${code ?? signal})`)));
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        process.stdout.write(`[worker-${index}] ${line}\n`);
        if (line === 'Ctrl-C stops the worker.') resolve();
      });
    }
  });
  return { child, ready };
}

const USAGE = 'Usage: node scripts/cluster.js [--json]   (npm run cluster)';

async function main(argv) {
  const unknown = argv.filter((arg) => arg !== '--json');
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (unknown.length > 0) {
    process.stderr.write(`cluster: unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
    return 2;
  }
  const log = (line) => process.stderr.write(`[cluster] ${line}\n`);
  const folder = path.join(ROOT, '.cache', 'cluster');
  const cluster = await startTemporalCluster({ folder, log });
  const workers = [];
  let stopping = false;
  const stopAll = async () => {
    for (const worker of workers.reverse()) await stopChild(worker.child);
    await cluster.stop();
  };
  const onSignal = (signal) => {
    if (stopping) {
      log(`${signal} again: stopping now`);
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: stopping the workers, then the Temporal server and PostgreSQL…`);
    stopAll().then(() => {
      log('cluster stopped');
      process.exit(0);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

  const httpPorts = [];
  for (let index = 1; index <= CLUSTER_TOPOLOGY.workers; index++) httpPorts.push(await freePort());
  // Both workers put the first one's address in the certificates they issue: either serves the same CA and CRL.
  const publicUrl = `http://127.0.0.1:${httpPorts[0]}`;
  try {
    for (let index = 1; index <= CLUSTER_TOPOLOGY.workers && !stopping; index++) {
      const worker = startWorker(index, {
        ...cluster.workerEnv(index, httpPorts[index - 1], publicUrl),
        CERTFLOW_LOG_LEVEL: process.env.CERTFLOW_LOG_LEVEL || 'WARN',
      });
      workers.push(worker);
      // One at a time: the first creates the internal CA in the shared folder and migrates the inventory.
      await worker.ready;
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const summary = {
    temporal: { address: cluster.address, namespace: cluster.namespace, version: cluster.temporalVersion },
    temporalConfig: cluster.configFile,
    temporalLog: cluster.logFile,
    inventory: cluster.databases.inventory,
    workers: workers.map((worker, index) => ({ pid: worker.child.pid, http: `http://127.0.0.1:${httpPorts[index]}` })),
  };
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(
      [
        '',
        'certflow cluster is running',
        `  Temporal ${summary.temporal.version}   ${summary.temporal.address} (namespace ${summary.temporal.namespace})`,
        `  server config     ${summary.temporalConfig}`,
        `  server log        ${summary.temporalLog}`,
        `  inventory         ${summary.inventory}`,
        ...summary.workers.map((worker, index) => `  worker ${index + 1}          pid ${worker.pid}, ${worker.http}`),
        '',
        `Use it from another terminal:  TEMPORAL_ADDRESS=${summary.temporal.address} ` +
          `CERTFLOW_DATABASE_URL=${summary.inventory} npx certflow import <files>`,
        'Ctrl-C stops the workers, the Temporal server and PostgreSQL (state stays in .cache/cluster/).',
        '',
      ].join('\n'),
    );
  }
  return undefined;
}

module.exports = { startTemporalCluster, temporalServerConfig, CLUSTER_TOPOLOGY, ClusterStartError };

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (error) => {
      process.stderr.write(`[cluster] cannot start the cluster: ${error.message}\n`);
      process.exit(1);
    },
  );
}
