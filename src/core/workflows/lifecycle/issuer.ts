import { chooseIssuer, type IssuerChoice } from '../../domain/issuers/choose-issuer';
import type { LifecycleRun } from './state';

/**
 * The issuer this cycle's renewal uses (issue 19): chooseIssuer over the settings loadLifecycleContext gathered and
 * the campaign's target issuer. Null in a run whose context was gathered before issuers existed: the issuing
 * activity then chooses, as it did when that history was recorded.
 */
export function renewalIssuer(run: LifecycleRun): IssuerChoice | null {
  const settings = run.ctx.issuerSettings;
  if (settings === undefined) return null;
  return chooseIssuer({ ...settings, campaignIssuer: run.st.campaign?.issuer ?? null });
}
