/**
 * Which issuer renews a certificate (issue 19): a campaign's target issuer (moving certificates away from a
 * compromised CA), else the owner group's `issuer` setting, else the policy's, else the issuer that issued the
 * current version when it is a configured one, else the default (`internal`). Pure: the caller gathers the settings
 * and asks the registry which configured issuer issued the current version.
 */

/** Where the chosen issuer came from, for the approval request, the ticket and the audit row. */
export type IssuerChoiceSource = 'campaign' | 'owner-group' | 'policy' | 'current-issuer' | 'default';

/** What decides the issuer. Every name is an issuer's configured name, e.g. `acme:letsencrypt`. */
export interface IssuerChoiceInput {
  readonly campaignIssuer: string | null;
  readonly groupIssuer: string | null;
  readonly policyIssuer: string | null;
  /** The configured issuer whose chain issued the current version, or null when none did or it is unknown. */
  readonly currentIssuer: string | null;
  readonly defaultIssuer: string;
  /** Every configured issuer's name. */
  readonly configured: readonly string[];
}

/** What a lifecycle gathers for {@link chooseIssuer}: everything but the campaign's target, which the workflow holds. */
export type IssuerSettings = Omit<IssuerChoiceInput, 'campaignIssuer'>;

/** The decision: an issuer and why, or a setting naming an issuer that is not configured, with the fix. */
export type IssuerChoice =
  | { readonly kind: 'chosen'; readonly issuer: string; readonly source: IssuerChoiceSource }
  | {
      readonly kind: 'unknown-issuer';
      readonly issuer: string;
      readonly source: IssuerChoiceSource;
      readonly fix: string;
    };

/** An issuer's configured name: `internal` or `acme:<name>` (lower-case letters, digits and dashes). */
export const ISSUER_NAME = /^(internal|acme:[a-z0-9][a-z0-9-]{0,62})$/;

const SETTING_NAMES: Readonly<Record<IssuerChoiceSource, string>> = {
  campaign: "the campaign's --issuer",
  'owner-group': "the owner group's issuer setting",
  policy: "the policy's issuer setting",
  'current-issuer': 'the current certificate',
  default: 'CERTFLOW_ISSUERS_FILE default',
};

/** Picks the issuer that renews a certificate; a setting that names an unconfigured issuer is refused, not skipped. */
export function chooseIssuer(input: IssuerChoiceInput): IssuerChoice {
  const candidates: ReadonlyArray<readonly [IssuerChoiceSource, string | null]> = [
    ['campaign', input.campaignIssuer],
    ['owner-group', input.groupIssuer],
    ['policy', input.policyIssuer],
    ['current-issuer', input.currentIssuer],
    ['default', input.defaultIssuer],
  ];
  for (const [source, issuer] of candidates) {
    if (issuer === null || issuer === '') continue;
    if (input.configured.includes(issuer)) return { kind: 'chosen', issuer, source };
    return {
      kind: 'unknown-issuer',
      issuer,
      source,
      fix:
        `${SETTING_NAMES[source]} names ${issuer}, which is not configured (configured: ` +
        `${input.configured.join(', ')}): add it to CERTFLOW_ISSUERS_FILE or change the setting`,
    };
  }
  return { kind: 'chosen', issuer: input.defaultIssuer, source: 'default' };
}

const SOURCE_TEXT: Readonly<Record<IssuerChoiceSource, string>> = {
  campaign: "the campaign's target issuer",
  'owner-group': "the owner group's setting",
  policy: "the policy's setting",
  'current-issuer': 'issued the current certificate',
  default: 'the default issuer',
};

/**
 * The issuer a renewal will use, for people (the approval request, the ticket, the preview):
 * `acme:pebble (the owner group's setting)`, or the setting that names an unconfigured issuer and the fix.
 */
export function describeIssuerChoice(choice: IssuerChoice): string {
  if (choice.kind === 'unknown-issuer') return `${choice.issuer}, which is not configured: ${choice.fix}`;
  return `${choice.issuer} (${SOURCE_TEXT[choice.source]})`;
}
