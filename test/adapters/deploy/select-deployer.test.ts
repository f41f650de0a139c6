import { describe, expect, it } from 'vitest';
import type { CertificateLocation } from '../../../src/core/domain/inventory/model';
import { DeployRejectedError, type Deployer } from '../../../src/core/ports/deployer';
import { FileDeployer } from '../../../src/adapters/deploy/file-deployer';
import { selectDeployer } from '../../../src/core/ports/select-deployer';
import { TlsEndpointRegistry } from '../../../src/adapters/deploy/tls-endpoint';
import { TlsEndpointDeployer } from '../../../src/adapters/deploy/tls-endpoint-deployer';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';

const keyStore = new InMemoryKeyStore();
const files = new FileDeployer({ keyStore });
const endpoints = new TlsEndpointDeployer({ keyStore, registry: new TlsEndpointRegistry() });
const stubEndpoint: Deployer = {
  name: 'stub',
  supports: (location) => location.kind === 'endpoint' && location.port === 8443,
  install: () => Promise.reject(new Error('unused')),
  verify: () => Promise.reject(new Error('unused')),
  rollback: () => Promise.resolve(),
};

function rejection(deployers: readonly Deployer[], location: CertificateLocation): string {
  try {
    selectDeployer(deployers, location);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployRejectedError);
    return (error as Error).message;
  }
  throw new Error('expected a DeployRejectedError');
}

describe('selectDeployer', () => {
  it('picks the files deployer for a local file and the first supporting one for an endpoint', () => {
    expect(selectDeployer([endpoints, files], { kind: 'file', path: '/etc/ssl/www.pem' })).toBe(files);
    expect(selectDeployer([endpoints, stubEndpoint, files], { kind: 'endpoint', host: 'lb', port: 8443 })).toBe(
      stubEndpoint,
    );
  });

  it('an endpoint nobody manages is rejected, naming the location and the fix', () => {
    const message = rejection([files, endpoints], { kind: 'endpoint', host: 'www.example.com', port: 443 });
    expect(message).toMatch(/^cannot install at www\.example\.com:443: no TLS endpoint managed by certflow/);
    expect(message).toContain('add a file location (the PEM file it reads) with a reload command');
    expect(message).not.toContain('not a file location');
  });

  it('a file on another host is rejected with the agent it needs', () => {
    const message = rejection([files, endpoints], { kind: 'file', host: 'db1.example.com', path: '/etc/ssl/db.pem' });
    expect(message).toMatch(/^cannot install at db1\.example\.com:\/etc\/ssl\/db\.pem: .*needs a certflow agent/);
  });

  it('no deployer for the kind at all still says what to do', () => {
    expect(rejection([files], { kind: 'endpoint', host: 'lb', port: 443 })).toMatch(
      /no deployer is configured for TLS endpoints; add a file location/,
    );
    expect(rejection([], { kind: 'file', path: '/etc/ssl/www.pem' })).toMatch(/enable the files deployer/);
  });
});
