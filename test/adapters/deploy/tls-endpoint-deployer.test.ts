import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateLocation } from '../../../src/core/domain/inventory/model';
import { DeployRejectedError } from '../../../src/core/ports/deployer';
import { PREVIOUS_SUFFIX } from '../../../src/adapters/deploy/file-deployer';
import {
  ENDPOINT_FILES,
  type ManagedTlsEndpoint,
  startManagedTlsEndpoint,
  TlsEndpointRegistry,
} from '../../../src/adapters/deploy/tls-endpoint';
import { TlsEndpointDeployer } from '../../../src/adapters/deploy/tls-endpoint-deployer';
import { privateKeyPem } from '../../support/certificate-factory';
import { deployFixtures, modeOf, temporaryFolder } from './deploy-fixtures';

const { intermediate, keyStore, leaf, request, root } = deployFixtures();
const old = leaf(1);
const renewed = leaf(2);

describe('TlsEndpointDeployer', () => {
  let folder: string;
  let remove: () => void;
  let registry: TlsEndpointRegistry;
  let endpoint: ManagedTlsEndpoint;
  let location: CertificateLocation;
  let deployer: TlsEndpointDeployer;

  beforeEach(async () => {
    ({ folder, remove } = temporaryFolder('endpoint-deployer'));
    registry = new TlsEndpointRegistry();
    endpoint = await startManagedTlsEndpoint({
      host: '127.0.0.1',
      port: 0,
      folder,
      initial: {
        certPem: old.certificate.pem,
        chainPems: [intermediate.pem],
        keyPem: privateKeyPem(old.certificate.key),
      },
    });
    registry.add(endpoint);
    location = { kind: 'endpoint', host: 'localhost', port: endpoint.address().port };
    deployer = new TlsEndpointDeployer({ keyStore, registry });
  });
  afterEach(async () => {
    await registry.closeAll();
    remove();
  });

  const verify = (expected: string, names = ['localhost', '127.0.0.1']) =>
    deployer.verify({ location, expectedFingerprint: expected, trustAnchorPems: [root.pem], names });

  it('R-REN-2: installs on a managed endpoint, which then serves the new certificate verified over TLS', async () => {
    expect((await verify(old.fingerprint)).ok).toBe(true);
    const result = await deployer.install(request(renewed, location, 'renewal-1'));
    expect(result).toMatchObject({ location, changed: true, previousFingerprint: old.fingerprint });
    expect(result.detail).toContain(folder);
    expect(modeOf(path.join(folder, ENDPOINT_FILES.key))).toBe(0o600);
    expect(modeOf(path.join(folder, ENDPOINT_FILES.key + PREVIOUS_SUFFIX))).toBe(0o600);
    expect(await verify(renewed.fingerprint)).toEqual({
      location,
      ok: true,
      servedFingerprint: renewed.fingerprint,
      chainComplete: true,
      namesMatch: true,
      problems: [],
    });
  });

  it('R-REN-2: a re-install with the same idempotency key changes nothing', async () => {
    await deployer.install(request(renewed, location, 'renewal-1'));
    const retried = await deployer.install(request(renewed, location, 'renewal-1'));
    expect(retried).toMatchObject({ changed: false, previousFingerprint: old.fingerprint });
    expect(fs.readFileSync(path.join(folder, ENDPOINT_FILES.certificate + PREVIOUS_SUFFIX), 'utf8')).toBe(
      old.certificate.pem,
    );
    expect((await verify(renewed.fingerprint)).ok).toBe(true);
  });

  it('R-REN-2: a bad install fails verification and rollback serves the old certificate again', async () => {
    await deployer.install(request(renewed, location, 'renewal-1', []));
    const failed = await verify(renewed.fingerprint);
    expect(failed).toMatchObject({ ok: false, servedFingerprint: renewed.fingerprint, chainComplete: false });
    await deployer.rollback({ idempotencyKey: 'renewal-1', location });
    expect(await verify(old.fingerprint)).toMatchObject({ ok: true, servedFingerprint: old.fingerprint });
    expect(fs.readFileSync(path.join(folder, ENDPOINT_FILES.key), 'utf8')).toBe(privateKeyPem(old.certificate.key));
  });

  it('R-REN-2: verification checks the names the certificate must cover', async () => {
    const result = await verify(old.fingerprint, ['localhost', 'api.example.com']);
    expect(result).toMatchObject({ ok: false, chainComplete: true, namesMatch: false });
  });

  it('an endpoint certflow does not manage is rejected, naming it and the managed ones', async () => {
    const unknown: CertificateLocation = { kind: 'endpoint', host: 'www.example.com', port: 443 };
    expect(deployer.supports(unknown)).toBe(false);
    expect(deployer.supports(location)).toBe(true);
    const error = await deployer.install(request(renewed, unknown, 'renewal-1')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeployRejectedError);
    expect((error as Error).message).toContain(`www.example.com:443 (managed: 127.0.0.1:${endpoint.address().port})`);
    await expect(
      verify(renewed.fingerprint).then(() => deployer.rollback({ idempotencyKey: 'x', location: unknown })),
    ).rejects.toBeInstanceOf(DeployRejectedError);
  });
});
