/**
 * An ACME CA (RFC 8555) as a {@link CertificateAuthorityPort} (issue 19, R-REN-1), on acme-client. The account key
 * is generated once in the key store (`acme-accounts/<name>`) and never leaves it but to sign; the account is
 * registered with the contact (and the external account binding when the CA wants one) and found again by that key.
 * An issuance places one order for all the names, proves each by HTTP-01 (certflow's HTTP server answers from the
 * shared {@link AcmeState}), finalizes with certflow's CSR and downloads the chain. The order is remembered by the
 * issuance's idempotency key, so a retry continues it or returns its certificate instead of ordering again.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import * as acme from 'acme-client';
import { caaPermits } from '../../core/domain/caa/caa-permits';
import { findRelevantCaaSet } from '../../core/domain/caa/relevant-caa-set';
import type { RevocationReason } from '../../core/domain/lifecycle/model';
import {
  CaRejectedError,
  CaUnavailableError,
  type CertificateAuthorityPort,
  type IssuedCertificate,
  type IssueRequest,
  type RenewalInfo,
  type RevocationRecord,
  type RevokeRequest,
} from '../../core/ports/certificate-authority';
import type { CaaResolver, DnsChallengeUpdater } from '../../core/ports/dns';
import type { KeyStore } from '../../core/ports/key-store';
import type { WebrootChallengeWriter } from '../../core/ports/webroot-challenges';
import type { AcmeIssuerSettings } from './acme-issuers-config';
import type { AcmeOrderRecord, AcmeState } from './acme-state';
import { parseRenewalInfo, renewalInfoId } from './acme-renewal-info';
import {
  type AcmeHttpClient,
  type GuardedTransport,
  guardTransport,
  problemName,
  retryAfterSeconds,
} from './acme-transport';

/** RFC 5280 section 5.3.1 reason codes, which ACME's revokeCert takes (RFC 8555 section 7.6). */
const REASON_CODES: Readonly<Record<RevocationReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
};

/** How often and how long to poll an authorization or order while the CA works on it. */
const POLLING = { backoffAttempts: 12, backoffMin: 250, backoffMax: 5_000 };

/** What an {@link AcmeAuthority} needs. */
export interface AcmeAuthorityOptions {
  readonly settings: AcmeIssuerSettings;
  readonly keyStore: KeyStore;
  readonly state: AcmeState;
  /** CAA is checked for every name before an order is placed (R-CAA-1); null: not checked. */
  readonly caa: CaaResolver | null;
  /** Writes DNS-01 TXT records; needed when the issuer's challenge is dns-01. */
  readonly dnsChallenges: DnsChallengeUpdater | null;
  /** Writes HTTP-01 answers into web roots; needed for the names the issuer's `webroots` maps. */
  readonly webroots?: WebrootChallengeWriter | null;
}

type AcmeOrder = acme.Order;
type AcmeAuthorization = acme.Authorization;

/** One ACME server certflow renews from, named `acme:<name>` in configuration. */
export class AcmeAuthority implements CertificateAuthorityPort {
  readonly name: string;
  private readonly agent: Agent | undefined;
  private accountUrl: string | undefined;

  constructor(private readonly options: AcmeAuthorityOptions) {
    this.name = options.settings.name;
    const { caBundlePath } = options.settings;
    // Only this issuer's requests trust its bundle: a private CA's root never becomes trusted for anything else.
    this.agent = caBundlePath === null ? undefined : new Agent({ ca: readFileSync(caBundlePath, 'utf8') });
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    const { state } = this.options;
    const remembered = await state.order(this.name, request.idempotencyKey);
    if (remembered?.certificatePem) return describeIssued(remembered.certificatePem);
    return await this.acme(async (client, transport) => {
      let order: AcmeOrder;
      if (remembered === null) {
        await this.checkCaa(request.dnsNames);
        order = await client.createOrder({ identifiers: identifiersOf(request) });
        await state.saveOrder(orderRecord(this.name, request.idempotencyKey, order.url, null));
      } else {
        order = await client.getOrder({ url: remembered.orderUrl } as AcmeOrder);
      }
      // acme-client's waitForValidStatus answers without the order's URL: keep it from here.
      const orderUrl = order.url;
      if (order.status === 'pending') await this.authorize(client, order, request.idempotencyKey);
      order = await client.getOrder(order);
      if (order.status === 'invalid') throw await this.orderRefused(client, order, transport);
      if (order.status === 'ready') order = await client.finalizeOrder(order, request.csrPem);
      order = { ...(await client.waitForValidStatus(order)), url: orderUrl };
      const pem = await client.getCertificate(order);
      await state.saveOrder(orderRecord(this.name, request.idempotencyKey, orderUrl, pem));
      return describeIssued(pem);
    });
  }

  async revoke(request: RevokeRequest): Promise<RevocationRecord> {
    const serialNumber = serialHex(request.serialNumber);
    const pem = await this.options.state.certificateBySerial(this.name, serialNumber);
    if (pem === null) {
      throw new CaRejectedError(
        `${this.name} has no record of issuing serial ${request.serialNumber} through certflow; revoke it with the ` +
          'ACME account that ordered it, or at the CA',
      );
    }
    const revokedAt = new Date().toISOString();
    return await this.acme(async (client, transport) => {
      try {
        await client.revokeCertificate(pem, { reason: REASON_CODES[request.reason] });
        return { serialNumber, revokedAt, reason: request.reason, newlyRevoked: true, publishedAt: null };
      } catch (error) {
        if (transport.lastProblem !== null && problemName(transport.lastProblem) === 'alreadyRevoked') {
          return { serialNumber, revokedAt, reason: request.reason, newlyRevoked: false, publishedAt: null };
        }
        throw error;
      }
    });
  }

  /**
   * The CA's suggested renewal window for a certificate it issued (RFC 9773), or null when the CA offers no renewal
   * information. Unauthenticated: any certflow process may ask.
   */
  async renewalInfo(certificateDer: Uint8Array): Promise<RenewalInfo | null> {
    const id = renewalInfoId(certificateDer);
    return await this.acme(async (client) => {
      const http = (
        client as unknown as { http: AcmeHttpClient & { getDirectory(): Promise<{ renewalInfo?: string }> } }
      ).http;
      const base = (await http.getDirectory()).renewalInfo;
      if (base === undefined) return null;
      const response = await http.request(`${base.replace(/\/$/, '')}/${id}`, 'get');
      if (response.status === 404) return null;
      return parseRenewalInfo(response.data, retryAfterSeconds(response.headers['retry-after'], Date.now()));
    }, false);
  }

  async issues(issuerDn: string): Promise<boolean> {
    return await this.options.state.issuedUnder(this.name, issuerDn);
  }

  /**
   * Runs `work` with a client for the account (registered on first use), turning what the library throws into
   * certflow's errors: a CA problem document becomes a CaRejectedError naming it, anything else CaUnavailableError.
   */
  private async acme<T>(
    work: (client: acme.Client, transport: GuardedTransport) => Promise<T>,
    withAccount = true,
  ): Promise<T> {
    const { settings, keyStore } = this.options;
    const keyRef = `acme-accounts/${settings.name.slice('acme:'.length)}`;
    await keyStore.ensureKeyPair(keyRef, { algorithm: 'EC', curve: 'P-256' });
    const client = new acme.Client({
      directoryUrl: settings.directoryUrl,
      accountKey: await keyStore.readPrivateKeyPem(keyRef),
      ...(this.accountUrl === undefined ? {} : { accountUrl: this.accountUrl }),
      ...(settings.eab === null
        ? {}
        : { externalAccountBinding: { kid: settings.eab.keyId, hmacKey: settings.eab.hmacKey } }),
      ...POLLING,
    });
    const transport = guardTransport(client, {
      issuer: this.name,
      directoryUrl: settings.directoryUrl,
      agent: this.agent,
      timeoutMs: settings.requestTimeoutSeconds * 1000,
    });
    try {
      if (withAccount && this.accountUrl === undefined) {
        await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${settings.contact}`] });
        this.accountUrl = client.getAccountUrl();
      }
      return await work(client, transport);
    } catch (error) {
      throw this.certflowError(error, transport);
    }
  }

  private certflowError(error: unknown, transport: GuardedTransport): Error {
    if (error instanceof CaRejectedError || error instanceof CaUnavailableError) return error;
    const problem = transport.lastProblem;
    if (problem === null) {
      return new CaUnavailableError(`${this.name} failed: ${(error as Error).message}`);
    }
    const name = problemName(problem);
    const fixes: Readonly<Record<string, string>> = {
      externalAccountRequired: `${this.name} requires an external account binding: set eab (keyId, hmacKey) for it in CERTFLOW_ISSUERS_FILE`,
      unauthorized: `check eab.keyId and eab.hmacKey for ${this.name} in CERTFLOW_ISSUERS_FILE against what the CA issued, and that the account may order these names`,
      rejectedIdentifier: `${this.name} will not issue for these names: ask the CA, or choose another issuer for this certificate`,
      invalidContact: `set a contact e-mail the CA accepts for ${this.name} in CERTFLOW_ISSUERS_FILE`,
      badCSR: 'the certificate signing request was refused: check the key type and the names',
    };
    return new CaRejectedError(
      `${this.name} refused the request (${name}: ${problem.detail})` +
        (fixes[name] === undefined ? '' : `; ${fixes[name]}`),
    );
  }

  /** Proves every pending authorization of the order with the configured challenge. */
  private async authorize(client: acme.Client, order: AcmeOrder, idempotencyKey: string): Promise<void> {
    const { settings } = this.options;
    const authorizations = await client.getAuthorizations(order);
    for (const authorization of authorizations.filter((each) => each.status === 'pending')) {
      const challenge = authorization.challenges.find((each) => each.type === settings.challenge);
      if (challenge === undefined) {
        throw new CaRejectedError(
          `${this.name} offers no ${settings.challenge} challenge for ${authorization.identifier.value} (it offers ` +
            `${authorization.challenges.map((each) => each.type).join(', ')}); set challenge for ${this.name} in ` +
            'CERTFLOW_ISSUERS_FILE to one of those',
        );
      }
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      const answer = await this.present(authorization, challenge, keyAuthorization, idempotencyKey);
      try {
        await client.completeChallenge(challenge);
        // A failed authorization fails the order: orderRefused then reads every reason at once.
        await client.waitForValidStatus(authorization).catch(() => undefined);
      } finally {
        await answer.cleanUp();
      }
    }
  }

  /** Puts the challenge's answer where the CA looks: certflow's HTTP server (HTTP-01) or the zone (DNS-01). */
  private async present(
    authorization: AcmeAuthorization,
    challenge: AcmeAuthorization['challenges'][number],
    keyAuthorization: string,
    idempotencyKey: string,
  ): Promise<{ cleanUp: () => Promise<void> }> {
    const { state, dnsChallenges, settings } = this.options;
    if (challenge.type === 'http-01') {
      const webroot = settings.webroots?.[authorization.identifier.value.toLowerCase()];
      if (webroot !== undefined) return await this.presentInWebroot(webroot, challenge.token, keyAuthorization);
      await state.putHttp01(challenge.token, keyAuthorization);
      return { cleanUp: () => state.removeHttp01(challenge.token) };
    }
    if (dnsChallenges === null) {
      throw new CaRejectedError(
        `${this.name} proves names with dns-01, but certflow has no zone to update: configure the zones' DNS ` +
          'servers and TSIG keys, or set challenge: http-01 for it in CERTFLOW_ISSUERS_FILE',
      );
    }
    const name = `${authorization.wildcard === true ? '*.' : ''}${authorization.identifier.value}`;
    // For dns-01 acme-client already gives the TXT value, the digest of the key authorization (RFC 8555 section 8.4).
    const record = { name, value: keyAuthorization, idempotencyKey: `${idempotencyKey}/dns-01/${name}` };
    await dnsChallenges.present(record);
    return { cleanUp: () => dnsChallenges.cleanUp(record) };
  }

  /** Writes the HTTP-01 answer into the name's web root, where its own web server serves it to the CA. */
  private async presentInWebroot(
    webroot: string,
    token: string,
    keyAuthorization: string,
  ): Promise<{ cleanUp: () => Promise<void> }> {
    const writer = this.options.webroots ?? null;
    if (writer === null) {
      throw new CaRejectedError(
        `${this.name} maps a name to the web root ${webroot}, but this certflow process writes no web roots: run ` +
          'the worker on the machine that has the folder',
      );
    }
    const answer = { webroot, token, keyAuthorization };
    await writer.present(answer);
    return { cleanUp: () => writer.cleanUp(answer) };
  }

  /** Refuses before any order when a name's CAA records do not let this CA issue (R-CAA-1, RFC 8659). */
  private async checkCaa(dnsNames: readonly string[]): Promise<void> {
    const resolver = this.options.caa;
    if (resolver === null) return;
    const identity = this.options.settings.caaIdentity;
    for (const name of dnsNames) {
      const found = await findRelevantCaaSet(name, (each) => resolver.caaRecords(each));
      const verdict = caaPermits({ found, identity });
      if (verdict.permitted) continue;
      const text = `${this.name} (CAA identity ${identity}) may not issue for ${name}: ${verdict.message}; ${verdict.remedy}`;
      // A lookup that failed may answer later; a record that forbids needs a person to change it.
      throw verdict.because === 'lookup-failed' ? new CaUnavailableError(text) : new CaRejectedError(text);
    }
  }

  /** Why the CA refused an order: each failed authorization with its identifier, challenge and the CA's detail. */
  private async orderRefused(client: acme.Client, order: AcmeOrder, transport: GuardedTransport): Promise<Error> {
    const authorizations: AcmeAuthorization[] = await client.getAuthorizations(order);
    const reasons = authorizations
      .filter((authorization) => authorization.status === 'invalid')
      .map((authorization) => {
        const failed = authorization.challenges.find((challenge) => challenge.status === 'invalid');
        const detail = (failed?.error as { detail?: string } | undefined)?.detail ?? 'no detail given';
        const how = failed === undefined ? 'its authorization' : `the ${failed.type} challenge`;
        return `${authorization.identifier.value}: ${how} failed: ${detail}`;
      });
    const orderDetail = (order.error as { detail?: string } | undefined)?.detail;
    const what =
      reasons.length > 0 ? reasons.join('; ') : (orderDetail ?? transport.lastProblem?.detail ?? 'no reason given');
    const fix =
      this.options.settings.challenge === 'http-01'
        ? `make http://<name>/.well-known/acme-challenge/ reach certflow's HTTP server on port 80 for every name ` +
          "(or, for a name in the issuer's webroots, the web server serving that folder)"
        : "make the zone's DNS server accept certflow's updates for _acme-challenge.<name>";
    return new CaRejectedError(`${this.name} refused the order: ${what}; ${fix}, then renew again`);
  }
}

/** A serial number as the adapter stores and compares it: lower-case hex without leading zeros. */
function serialHex(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}

function identifiersOf(request: IssueRequest): acme.Order['identifiers'] {
  return [
    ...request.dnsNames.map((value) => ({ type: 'dns', value })),
    ...request.ipAddresses.map((value) => ({ type: 'ip', value })),
  ];
}

function orderRecord(issuer: string, idempotencyKey: string, orderUrl: string, pem: string | null): AcmeOrderRecord {
  if (pem === null) {
    return { issuer, idempotencyKey, orderUrl, certificatePem: null, serialNumber: null, issuerDn: null };
  }
  const leaf = new X509Certificate(acme.crypto.splitPemChain(pem)[0] ?? pem);
  return {
    issuer,
    idempotencyKey,
    orderUrl,
    certificatePem: pem,
    serialNumber: serialHex(leaf.serialNumber),
    issuerDn: leaf.issuer,
  };
}

/**
 * The port's view of a downloaded chain. ACME serves the leaf and its intermediates, not the root: the top of the
 * served chain is what the installation is verified against.
 */
function describeIssued(pem: string): IssuedCertificate {
  const [leafPem, ...chainPems] = acme.crypto.splitPemChain(pem);
  if (leafPem === undefined || chainPems.length === 0) {
    throw new CaRejectedError('the ACME CA returned no certificate chain');
  }
  const leaf = new X509Certificate(leafPem);
  const issuer = new X509Certificate(chainPems[0]!);
  const fingerprint = (certificate: X509Certificate) => certificate.fingerprint256.replace(/:/g, '').toLowerCase();
  return {
    certificatePem: leafPem,
    chainPems,
    rootPem: chainPems[chainPems.length - 1]!,
    fingerprintSha256: fingerprint(leaf),
    serialNumber: serialHex(leaf.serialNumber),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    issuerFingerprintSha256: fingerprint(issuer),
  };
}
