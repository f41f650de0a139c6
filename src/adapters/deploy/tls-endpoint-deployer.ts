/**
 * The TLS endpoint deployer (R-REN-2): installs into a TLS endpoint certflow manages (see tls-endpoint.ts) by
 * writing `cert.pem`, `chain.pem` and `key.pem` into its folder, with the same backups, idempotency and rollback as
 * the files deployer, then reloading the endpoint; it verifies over TLS.
 */
import path from 'node:path';
import type { CertificateLocation } from '../../core/domain/inventory/model';
import { formatLocation } from '../../core/domain/inventory/location';
import type { KeyStore } from '../../core/ports/key-store';
import {
  DeployRejectedError,
  type Deployer,
  type InstallRequest,
  type InstallResult,
  type VerificationResult,
  type VerifyRequest,
} from '../../core/ports/deployer';
import { installPemFiles, type PemFiles, preparePemContent, rollbackPemFiles } from './file-deployer';
import { connectHostOf, ENDPOINT_FILES, type ManagedTlsEndpoint, type TlsEndpointRegistry } from './tls-endpoint';
import { verifyTlsEndpoint } from './verify-tls';

/** Options of the TLS endpoint deployer. */
export interface TlsEndpointDeployerOptions {
  readonly keyStore: KeyStore;
  readonly registry: TlsEndpointRegistry;
  /** How long a verification may wait for the TLS handshake; default 10 s. */
  readonly verifyTimeoutMs?: number;
}

/** The files of an endpoint's folder, in the shape the shared install machinery takes. */
function endpointFiles(endpoint: ManagedTlsEndpoint): PemFiles {
  return {
    certificate: path.join(endpoint.folder, ENDPOINT_FILES.certificate),
    chain: path.join(endpoint.folder, ENDPOINT_FILES.chain),
    key: path.join(endpoint.folder, ENDPOINT_FILES.key),
    state: path.join(endpoint.folder, 'certflow-install.json'),
  };
}

/** Installs certificates on the TLS endpoints in a registry. */
export class TlsEndpointDeployer implements Deployer {
  readonly name = 'tls-endpoint';
  /** The kind of location it installs at. */
  readonly locationKind = 'endpoint' as const;

  constructor(private readonly options: TlsEndpointDeployerOptions) {}

  supports(location: CertificateLocation): boolean {
    return this.whyUnsupported(location) === null;
  }

  /** Why this deployer cannot install at `location`, or null when it can. */
  whyUnsupported(location: CertificateLocation): string | null {
    if (location.kind !== 'endpoint') return `${formatLocation(location)} is not a TLS endpoint`;
    if (this.options.registry.find(location.host, location.port)) return null;
    const known = this.options.registry.list().map((entry) => entry.address);
    return (
      `no TLS endpoint managed by certflow listens at ${formatLocation(location)} ` +
      `(managed: ${known.length > 0 ? known.join(', ') : 'none'}); certflow installs directly only on endpoints it ` +
      'runs — for another server, add a file location (the PEM file it reads) with a reload command, or correct ' +
      'the host and port'
    );
  }

  private endpointOf(location: CertificateLocation): ManagedTlsEndpoint {
    const reason = this.whyUnsupported(location);
    const endpoint = location.kind === 'endpoint' ? this.options.registry.find(location.host, location.port) : null;
    if (reason !== null || endpoint === null) throw new DeployRejectedError(reason ?? 'not a TLS endpoint');
    return endpoint;
  }

  async install(request: InstallRequest): Promise<InstallResult> {
    const endpoint = this.endpointOf(request.location);
    const content = preparePemContent(request, await this.options.keyStore.readPrivateKeyPem(request.keyRef));
    const outcome = await installPemFiles({
      files: endpointFiles(endpoint),
      idempotencyKey: request.idempotencyKey,
      content,
      reload: async () => {
        await endpoint.reload();
      },
    });
    const where = formatLocation(request.location);
    return {
      location: request.location,
      changed: outcome.changed,
      previousFingerprint: outcome.previousFingerprint,
      detail: outcome.changed
        ? `installed into ${endpoint.folder} (key 0600) and reloaded the endpoint ${where}`
        : `already served by ${where}`,
    };
  }

  async verify(request: VerifyRequest): Promise<VerificationResult> {
    const endpoint = this.endpointOf(request.location);
    const { location } = request;
    return verifyTlsEndpoint({
      host: connectHostOf(endpoint),
      port: endpoint.address().port,
      servername: location.kind === 'endpoint' ? (location.sni ?? location.host) : undefined,
      expectedFingerprint: request.expectedFingerprint,
      trustAnchorPems: request.trustAnchorPems,
      names: request.names,
      timeoutMs: this.options.verifyTimeoutMs ?? 10_000,
      location,
    });
  }

  async rollback(input: { readonly idempotencyKey: string; readonly location: CertificateLocation }): Promise<void> {
    const endpoint = this.endpointOf(input.location);
    await rollbackPemFiles({
      files: endpointFiles(endpoint),
      idempotencyKey: input.idempotencyKey,
      reload: async () => {
        await endpoint.reload();
      },
    });
  }
}
