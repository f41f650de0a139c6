import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { certflowSearchAttributes } from '../../workflows/search-attributes';
import type { CertflowConfig } from '../../worker/config';
import { startDevServer, type DevServer } from '../../worker/dev-server';
import { ensureSearchAttributes, SearchAttributeConflictError } from '../../worker/search-attributes';
import { repoRoot, resolveTemporalServer, TemporalToolsMissingError } from '../../worker/temporal-tools';
import { createCertflowWorker } from '../../worker/worker';
import { TemporalUnreachableError } from '../errors';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Options of {@link runStart}. */
export interface StartOptions {
  config: CertflowConfig;
  /** Run only the worker against config.temporalAddress (the container mode), never the embedded dev server. */
  workerOnly: boolean;
  out: (line: string) => void;
}

function banner(config: CertflowConfig, address: string, devServer: DevServer | undefined): string[] {
  const rows: [string, string][] = [
    ['Temporal gRPC', `${address} (namespace ${config.namespace})`],
    ...(devServer
      ? ([
          ['Temporal Web UI', devServer.uiUrl],
          ['Temporal history', devServer.dbFile],
          ['Dev server log', devServer.logFile],
        ] as [string, string][])
      : []),
    ['Task queue', config.taskQueue],
  ];
  return [
    'certflow is running',
    ...rows.map(([name, value]) => `  ${name.padEnd(17)} ${value}`),
    '',
    'Start a workflow from another terminal:  npm run certflow -- canary --sleep 10s',
    devServer ? 'Ctrl-C stops the worker and the dev server.' : 'Ctrl-C stops the worker.',
  ];
}

/** Registers certflow's search attributes on a standalone server; a server that forbids it only earns a warning. */
async function registerSearchAttributes(connection: NativeConnection, namespace: string, out: (line: string) => void) {
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length > 0) out(`registered search attributes in namespace ${namespace}: ${added.join(', ')}`);
  } catch (error) {
    if (error instanceof SearchAttributeConflictError) throw error;
    out(
      `warning: cannot register certflow's search attributes in namespace ${namespace} (${(error as Error).message}); ` +
        'create them as listed in workflows/search-attributes.ts, or workflows that set them will fail',
    );
  }
}

/**
 * certflow's main job: starts the embedded Temporal dev server (unless TEMPORAL_ADDRESS names one), runs the
 * worker until SIGINT/SIGTERM/SIGHUP, then shuts both down and returns; a second signal stops at once.
 */
export async function runStart({ config, workerOnly, out }: StartOptions): Promise<void> {
  // certflow handles the stop signals itself so that the dev server is always stopped after the worker.
  Runtime.install({ logger: new DefaultLogger(config.logLevel), shutdownSignals: [] });
  const stopping = new AbortController();
  let worker: Worker | undefined;
  let devServer: DevServer | undefined;
  let running = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) {
      out(`${signal} again: stopping now`);
      if (devServer) process.kill(devServer.pid, 'SIGKILL');
      process.exit(130);
    }
    out(`${signal}: shutting down…`);
    stopping.abort(signal);
    if (worker?.getState() === 'RUNNING') worker.shutdown();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    let address = config.temporalAddress;
    if (!address && workerOnly) address = `127.0.0.1:${config.devServerPort}`;
    if (!address) {
      const cli = resolveTemporalServer('devServer', process.env, repoRoot());
      if (cli.type !== 'existing-path') {
        throw new TemporalToolsMissingError(
          'the embedded dev server needs the Temporal CLI on disk, and CERTFLOW_TEMPORAL_DOWNLOAD=1 only serves tests: ' +
            'unset it and run `npm start` to build the CLI, set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS',
        );
      }
      out(`starting the Temporal dev server (history in ${config.dataDir})…`);
      devServer = await startDevServer({
        cliPath: cli.path,
        port: config.devServerPort,
        uiPort: config.devServerUiPort,
        namespace: config.namespace,
        dataDir: config.dataDir,
        searchAttributes: certflowSearchAttributes,
      });
      address = devServer.address;
    }
    if (stopping.signal.aborted) return;
    const connection = await NativeConnection.connect({ address }).catch((error: unknown) => {
      throw new TemporalUnreachableError(address, error);
    });
    try {
      if (!devServer) await registerSearchAttributes(connection, config.namespace, out);
      worker = await createCertflowWorker({ connection, namespace: config.namespace, taskQueue: config.taskQueue });
      if (stopping.signal.aborted) return;
      out(banner(config, address, devServer).join('\n'));
      running = true;
      await worker.run();
    } finally {
      await connection.close();
    }
  } finally {
    await devServer?.stop();
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    if (running) out('certflow stopped');
  }
}
