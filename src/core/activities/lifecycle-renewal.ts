/**
 * The lifecycle's certificate activities: a replacement issued for a new key (R-REN-1, R-KEY-1), installed, verified
 * and rolled back where it failed (R-REN-2), made the current version, and the old one revoked (R-REV-1).
 */
import { Context } from '@temporalio/activity';
import { decodeCertificates } from '../domain/certificates/decode-certificates';
import type { CertificateLocation, CertificateMetadataPatch } from '../domain/inventory/model';
import type { CertificateSummary, KeySpec, RevocationReason } from '../domain/lifecycle/model';
import { summarizeCertificate } from '../domain/lifecycle/renewal-plan';
import { evaluateCertificatePolicy } from '../domain/policy/evaluate-policy';
import type { Policy } from '../domain/policy/policy';
import { chooseIssuer, type IssuerChoice, type IssuerSettings } from '../domain/issuers/choose-issuer';
import type { OwnerGroup } from '../domain/inventory/model';
import type { CertificateAuthorities } from '../ports/certificate-authorities';
import { CaRejectedError, type IssuedCertificate } from '../ports/certificate-authority';
import { DeployRejectedError, type Deployer, type InstallResult, type VerificationResult } from '../ports/deployer';
import type { InventoryStore } from '../ports/inventory-store';
import type { KeyRef, KeyStore } from '../ports/key-store';
import { selectDeployer } from '../ports/select-deployer';
import type { LifecycleAudit } from './lifecycle-audit';
import { permanentOnRejection } from './lifecycle-failures';

/** What the certificate activities need: the inventory, the policy in force, the key store, the issuers, deployers. */
export interface LifecycleRenewalDeps {
  readonly store: InventoryStore;
  readonly loadPolicy: () => Promise<Policy>;
  readonly keyStore: KeyStore;
  /** Every configured issuer by name (issue 19): renewals issue through the chosen one, revocations go to the issuer. */
  readonly issuers: CertificateAuthorities;
  readonly deployers: readonly Deployer[];
}

/**
 * Gathers what {@link chooseIssuer} decides with (issue 19): the owner group's and the policy's settings, the
 * configured issuer that issued the current version (by its issuer DN) and the registry's names.
 */
export async function gatherIssuerSettings(
  issuers: CertificateAuthorities,
  input: { group: OwnerGroup | null; policy: Pick<Policy, 'renewal'>; certificateIssuerDn: string },
): Promise<IssuerSettings> {
  return {
    groupIssuer: input.group?.issuer ?? null,
    policyIssuer: input.policy.renewal.issuer ?? null,
    currentIssuer: await issuers.issuerOf(input.certificateIssuerDn),
    defaultIssuer: issuers.defaultIssuer,
    configured: issuers.names(),
  };
}

/** The new certificate of a renewal; the private key stays in the key store under `keyRef`. */
export interface ReplacementCertificate {
  readonly certificate: CertificateSummary;
  readonly certificatePem: string;
  readonly chainPems: readonly string[];
  readonly rootPem: string;
  readonly keyRef: KeyRef;
}

/** Outcome of {@link LifecycleActivities.revokeCertificate}. */
export interface RevocationOutcome {
  readonly outcome: 'revoked' | 'already-revoked' | 'not-issued-by-certflow';
  /** Where the revocation is published, or what to do by hand. */
  readonly detail: string;
}

/**
 * The subject a renewal asks for: the replaced certificate's, or, where it has none (ACME CAs issue certificates
 * with an empty subject and the names in the SANs alone), CN= its first name, which a CSR needs.
 */
function csrSubject(replacing: CertificateSummary): string {
  if (replacing.subject.trim() !== '') return replacing.subject;
  const first = replacing.dnsNames[0] ?? replacing.ipAddresses[0];
  return first === undefined ? replacing.subject : `CN=${first}`;
}

/** Creates the certificate activities of the lifecycle. */
export function createLifecycleRenewalActivities(deps: LifecycleRenewalDeps, audit: LifecycleAudit) {
  const { store } = deps;
  /** The choice of a renewal scheduled before the workflow chose its issuer: no campaign target. */
  const chooseHere = async (replacing: CertificateSummary): Promise<IssuerChoice> => {
    const group = replacing.ownerGroup === null ? null : await store.getOwnerGroup(replacing.ownerGroup);
    const settings = await gatherIssuerSettings(deps.issuers, {
      group,
      policy: await deps.loadPolicy(),
      certificateIssuerDn: replacing.issuer,
    });
    return chooseIssuer({ ...settings, campaignIssuer: null });
  };
  return {
    /**
     * Generates a new key pair in the key store (R-REN-1, R-KEY-1), has the chosen issuer issue a certificate for it
     * and records it in the inventory with the replaced version's metadata. A retry reuses the key and gets the same
     * certificate. A setting naming an unconfigured issuer fails for good with the fix.
     */
    issueReplacementCertificate: async (input: {
      idempotencyKey: string;
      managedCertificateId: string;
      replacing: CertificateSummary;
      keyRef: KeyRef;
      keySpec: KeySpec;
      validityDays: number;
      actor: string;
      /** The workflow's choice (issue 19); absent in histories recorded before issuers: chosen here, no campaign. */
      issuer?: IssuerChoice;
    }): Promise<ReplacementCertificate> => {
      return await permanentOnRejection(async () => {
        const { replacing } = input;
        const choice = input.issuer ?? (await chooseHere(replacing));
        if (choice.kind === 'unknown-issuer') throw new CaRejectedError(`cannot renew: ${choice.fix}`);
        const ca = deps.issuers.get(choice.issuer);
        const key = await deps.keyStore.ensureKeyPair(input.keyRef, input.keySpec);
        if (key.created) {
          await audit({
            idempotencyKey: `${input.idempotencyKey}/key`,
            actor: input.actor,
            action: 'key.generated',
            subject: input.keyRef,
            details: { spec: input.keySpec, publicKeySha256: key.publicKeySha256 },
          });
        }
        const csrPem = await deps.keyStore.createCsr(input.keyRef, {
          subject: csrSubject(replacing),
          dnsNames: replacing.dnsNames,
          ipAddresses: replacing.ipAddresses,
        });
        const issued: IssuedCertificate = await ca.issue({
          idempotencyKey: input.idempotencyKey,
          csrPem,
          subject: csrSubject(replacing),
          dnsNames: replacing.dnsNames,
          ipAddresses: replacing.ipAddresses,
          validityDays: input.validityDays,
        });
        const decoded = decodeCertificates(new TextEncoder().encode(issued.certificatePem), 'issued certificate');
        const parsed = decoded.certificates[0];
        if (parsed === undefined) throw new CaRejectedError(`${ca.name} returned no readable certificate`);
        const previous = await store.getCertificate(replacing.fingerprintSha256);
        const metadata: CertificateMetadataPatch = previous?.metadata ?? { locations: replacing.locations };
        const now = new Date().toISOString();
        await store.upsertCertificates([{ facts: parsed.facts, der: parsed.der, metadata }], now);
        const policy = await deps.loadPolicy();
        await store.savePolicyResults([evaluateCertificatePolicy(parsed.facts, policy, now)]);
        await audit({
          idempotencyKey: input.idempotencyKey,
          actor: input.actor,
          action: 'certificate.issued',
          subject: issued.fingerprintSha256,
          details: {
            ca: ca.name,
            issuerChosenBy: choice.source,
            replaces: replacing.fingerprintSha256,
            serialNumber: issued.serialNumber,
            notAfter: issued.notAfter,
            keyRef: input.keyRef,
          },
        });
        const record = await store.getCertificate(issued.fingerprintSha256);
        if (record === null) throw new Error(`issued certificate ${issued.fingerprintSha256} was not recorded`);
        return {
          certificate: summarizeCertificate(input.managedCertificateId, record),
          certificatePem: issued.certificatePem,
          chainPems: issued.chainPems,
          rootPem: issued.rootPem,
          keyRef: input.keyRef,
        };
      });
    },

    /** Installs the certificate at every location through the deployer that handles it (R-REN-2). */
    installCertificate: async (input: {
      idempotencyKey: string;
      locations: CertificateLocation[];
      certificatePem: string;
      chainPems: string[];
      keyRef: KeyRef;
      fingerprintSha256: string;
      actor: string;
    }): Promise<InstallResult[]> => {
      return await permanentOnRejection(async () => {
        if (input.locations.length === 0) {
          throw new DeployRejectedError(
            'the certificate has no recorded location to install to; add one (import --metadata with a locations column) and request the renewal again',
          );
        }
        const results: InstallResult[] = [];
        for (const [index, location] of input.locations.entries()) {
          const deployer = selectDeployer(deps.deployers, location);
          const key = `${input.idempotencyKey}/${index}`;
          const result = await deployer.install({ ...input, idempotencyKey: key, location });
          Context.current().heartbeat(index);
          await audit({
            idempotencyKey: key,
            actor: input.actor,
            action: 'certificate.installed',
            subject: input.fingerprintSha256,
            details: { deployer: deployer.name, location, changed: result.changed, detail: result.detail },
          });
          results.push(result);
        }
        return results;
      });
    },

    /** Checks every location serves the new certificate with a complete chain and the right names (R-REN-2). */
    verifyInstallation: async (input: {
      idempotencyKey: string;
      locations: CertificateLocation[];
      expectedFingerprint: string;
      trustAnchorPems: string[];
      names: string[];
      actor: string;
    }): Promise<VerificationResult[]> => {
      return await permanentOnRejection(async () => {
        const results: VerificationResult[] = [];
        for (const location of input.locations) {
          results.push(await selectDeployer(deps.deployers, location).verify({ ...input, location }));
        }
        await audit({
          idempotencyKey: input.idempotencyKey,
          actor: input.actor,
          action: results.every((result) => result.ok) ? 'certificate.verified' : 'certificate.verification-failed',
          subject: input.expectedFingerprint,
          details: {
            results: results.map(({ location, ok, servedFingerprint, problems }) => ({
              location,
              ok,
              servedFingerprint,
              problems,
            })),
          },
        });
        return results;
      });
    },

    /** Puts back what the installation replaced, at every location (the old certificate stays in service). */
    rollbackInstallation: async (input: {
      idempotencyKey: string;
      locations: CertificateLocation[];
      actor: string;
      subject: string;
    }): Promise<void> => {
      await permanentOnRejection(async () => {
        for (const [index, location] of input.locations.entries()) {
          // Where no deployer works, nothing was installed and there is nothing to put back.
          if (!deps.deployers.some((deployer) => deployer.supports(location))) continue;
          await selectDeployer(deps.deployers, location).rollback({
            idempotencyKey: `${input.idempotencyKey}/${index}`,
            location,
          });
        }
      });
      await audit({
        idempotencyKey: `${input.idempotencyKey}/rollback`,
        actor: input.actor,
        action: 'certificate.rolled-back',
        subject: input.subject,
        details: { locations: input.locations },
      });
    },

    /** Makes the verified certificate the managed certificate's current version in the inventory. */
    activateCertificateVersion: async (input: {
      managedCertificateId: string;
      fingerprintSha256: string;
    }): Promise<void> => {
      await store.setManagedCertificateVersion(
        input.managedCertificateId,
        input.fingerprintSha256,
        new Date().toISOString(),
      );
    },

    /**
     * Revokes a certificate through the configured issuer that issued it (R-REV-1; an ACME CA with the reason code)
     * and deletes its key; a certificate of a CA no issuer here knows is reported for revocation by hand.
     */
    revokeCertificate: async (input: {
      idempotencyKey: string;
      fingerprintSha256: string;
      serialNumber: string;
      issuer: string;
      reason: RevocationReason;
      keyRef: KeyRef | null;
      actor: string;
    }): Promise<RevocationOutcome> => {
      return await permanentOnRejection(async () => {
        const issuerName = await deps.issuers.issuerOf(input.issuer);
        if (issuerName === null) {
          const detail = `issued by ${input.issuer}, which certflow does not run: revoke serial ${input.serialNumber} at that CA by hand`;
          await audit({
            idempotencyKey: input.idempotencyKey,
            actor: input.actor,
            action: 'certificate.revocation-manual',
            subject: input.fingerprintSha256,
            details: { issuer: input.issuer, serialNumber: input.serialNumber, reason: input.reason },
          });
          return { outcome: 'not-issued-by-certflow', detail };
        }
        const ca = deps.issuers.get(issuerName);
        const record = await ca.revoke({
          idempotencyKey: input.idempotencyKey,
          serialNumber: input.serialNumber,
          issuer: input.issuer,
          reason: input.reason,
        });
        await store.recordRevocation(input.fingerprintSha256, { at: record.revokedAt, reason: record.reason });
        if (input.keyRef !== null) await deps.keyStore.deleteKey(input.keyRef);
        await audit({
          idempotencyKey: input.idempotencyKey,
          actor: input.actor,
          action: 'certificate.revoked',
          subject: input.fingerprintSha256,
          details: {
            ca: ca.name,
            serialNumber: record.serialNumber,
            reason: record.reason,
            revokedAt: record.revokedAt,
            publishedAt: record.publishedAt,
          },
        });
        return {
          outcome: record.newlyRevoked ? 'revoked' : 'already-revoked',
          detail: record.publishedAt ? `published on ${record.publishedAt}` : `revoked at ${ca.name}`,
        };
      });
    },
  };
}
