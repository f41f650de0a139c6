/** The revocation reason a campaign's kind gives the certificates it replaces. */
import type { RevocationReason } from '../lifecycle/model';
import type { CampaignKind } from './model';

/** The revocation reason of certificates a campaign of this kind replaces (RFC 5280 CRLReason). */
export function campaignRevocationReason(kind: CampaignKind): RevocationReason {
  if (kind === 'ca-compromise') return 'cACompromise';
  if (kind === 'weak-key' || kind === 'key-generation-bug') return 'keyCompromise';
  return 'superseded';
}
