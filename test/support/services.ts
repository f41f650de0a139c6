import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type CertflowConfig, type TlsEndpointAddress } from '../../src/runtime/config';
import { openCertflowServices, type CertflowServices } from '../../src/runtime/services';
import { freePort } from './ports';

/** certflow's production services on a throwaway data folder, as `certflow start` opens them. */
export interface TestServices extends CertflowServices {
  readonly config: CertflowConfig;
  readonly folder: string;
  /** Lines the console notification and ticketing adapters wrote. */
  readonly log: string[];
}

/** Opens the worker's services from environment variables over a temporary data folder; `close()` removes it. */
export async function openTestServices(
  env: Record<string, string> = {},
  options: { tlsEndpoints?: TlsEndpointAddress[] } = {},
): Promise<TestServices> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'certflow-services-'));
  const port = await freePort();
  const config = loadConfig(
    {
      CERTFLOW_DATA_DIR: folder,
      CERTFLOW_HTTP_PORT: String(port),
      CERTFLOW_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
    folder,
  );
  const log: string[] = [];
  const services = await openCertflowServices({
    config,
    log: (line) => log.push(line),
    tlsEndpoints: options.tlsEndpoints ?? [],
    httpHost: '127.0.0.1',
  });
  return {
    ...services,
    config,
    folder,
    log,
    async close() {
      await services.close();
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}
