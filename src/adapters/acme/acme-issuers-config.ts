/**
 * The issuers file (CERTFLOW_ISSUERS_FILE, issue 19): which issuers certflow renews from besides `internal`, and
 * which one is the default. Validated here, where what each field means is known; the runtime reads the file.
 *
 * ```yaml
 * default: internal
 * issuers:
 *   - name: acme:letsencrypt
 *     directoryUrl: https://acme-v02.api.letsencrypt.org/directory
 *     contact: pki-team@example.com
 *     challenge: http-01
 *     caaIdentity: letsencrypt.org
 *     webroots:                      # HTTP-01 from these names' web roots instead of certflow's HTTP server
 *       shop.example.com: /srv/www/shop
 * ```
 */
import { z } from 'zod';

/** One ACME issuer as configured. */
export interface AcmeIssuerSettings {
  /** `acme:<name>`: how owner groups, policies and campaigns name it. */
  readonly name: string;
  /** The ACME directory (RFC 8555 section 7.1.1). */
  readonly directoryUrl: string;
  /** Account contact e-mail, without `mailto:`. */
  readonly contact: string;
  /** External account binding (RFC 8555 section 7.3.4), when the CA requires one. */
  readonly eab: { readonly keyId: string; readonly hmacKey: string } | null;
  /** PEM of the roots that may sign the directory's TLS certificate (a private CA, Pebble); null: the system's. */
  readonly caBundlePath: string | null;
  /** How names are proven: HTTP-01 from certflow's HTTP server, or DNS-01 through the zone's DNS server. */
  readonly challenge: 'http-01' | 'dns-01';
  /** The domain CAA records name for this CA (RFC 8659), e.g. `letsencrypt.org`. */
  readonly caaIdentity: string;
  /** How long one ACME request may take before the CA counts as unavailable, in seconds. */
  readonly requestTimeoutSeconds: number;
  /**
   * HTTP-01 by web root: a name (lower case) → the absolute folder its web server serves it from; the answer is
   * written there instead of served by certflow's HTTP server. Absent or empty: every name from certflow's server.
   */
  readonly webroots?: Readonly<Record<string, string>>;
}

/** The whole issuers file. */
export interface IssuersConfig {
  readonly defaultIssuer: string;
  readonly acme: readonly AcmeIssuerSettings[];
}

/** Every issuer name the configuration knows, `internal` first: what owner groups, policies and campaigns may name. */
export function configuredIssuerNames(config: IssuersConfig): string[] {
  return ['internal', ...config.acme.map((issuer) => issuer.name)];
}

/**
 * Why `setting` names an issuer that is not configured, with the configured ones and the fix; null when it names a
 * configured one or none. The worker checks the policy's at startup, the CLI an owner group's and a campaign's.
 */
export function unconfiguredIssuer(
  setting: string,
  issuer: string | null | undefined,
  config: IssuersConfig,
): string | null {
  const configured = configuredIssuerNames(config);
  if (issuer === null || issuer === undefined || configured.includes(issuer)) return null;
  return (
    `${setting} names ${issuer}, which is not a configured issuer; configured: ${configured.join(', ')}. Name one ` +
    'of these, or add the ACME issuer to CERTFLOW_ISSUERS_FILE'
  );
}

/** The issuers file does not say what certflow needs; each problem names the field and the fix. */
export class IssuersConfigError extends Error {
  override readonly name = 'IssuersConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid issuers file:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

const acmeIssuerSchema = z.strictObject({
  name: z.string({ error: 'expected acme:<name>, e.g. acme:letsencrypt' }).regex(/^acme:[a-z0-9][a-z0-9-]{0,62}$/, {
    error: 'expected acme:<name> with lower-case letters, digits and dashes, e.g. acme:letsencrypt',
  }),
  directoryUrl: z.url({
    protocol: /^https?$/,
    error: 'expected the ACME directory URL, e.g. https://acme-v02.api.letsencrypt.org/directory',
  }),
  contact: z.email({ error: "expected the account's contact e-mail, e.g. pki-team@example.com" }),
  eab: z
    .strictObject({
      keyId: z.string({ error: 'expected the key id the CA gave you' }).min(1, { error: 'expected the key id' }),
      hmacKey: z
        .string({ error: 'expected the HMAC key the CA gave you, base64url' })
        .regex(BASE64URL, { error: 'expected the HMAC key as base64url (letters, digits, - and _; no padding)' }),
    })
    .optional(),
  caBundle: z.string().min(1, { error: 'expected a path to a PEM file' }).optional(),
  challenge: z.enum(['http-01', 'dns-01'], { error: 'expected http-01 (the default) or dns-01' }).default('http-01'),
  caaIdentity: z
    .string({ error: "expected the CA's CAA domain, e.g. letsencrypt.org (see the CA's documentation)" })
    .regex(DOMAIN, { error: "expected the CA's CAA domain, e.g. letsencrypt.org" }),
  requestTimeoutSeconds: z.number().int().min(1).max(300, { error: 'expected 1 to 300 seconds' }).default(30),
  webroots: z
    .record(
      z.string().regex(DOMAIN),
      z.string({ error: "expected the folder the name's web server serves, e.g. /srv/www/shop" }).min(1, {
        error: "expected the folder the name's web server serves, e.g. /srv/www/shop",
      }),
      { error: 'expected DNS names mapped to web root folders, e.g. shop.example.com: /srv/www/shop' },
    )
    .optional(),
});

const schema = z
  .strictObject({
    default: z.string({ error: 'expected an issuer name: internal or one of the acme: names below' }).optional(),
    issuers: z.array(acmeIssuerSchema, { error: 'expected a list of ACME issuers' }).default([]),
  })
  .superRefine((value, context) => {
    const names = value.issuers.map((issuer) => issuer.name);
    for (const [index, name] of names.entries()) {
      if (names.indexOf(name) !== index) {
        context.addIssue({ code: 'custom', path: ['issuers', index, 'name'], message: `${name} is named twice` });
      }
      const issuer = value.issuers[index]!;
      if (issuer.webroots !== undefined && issuer.challenge !== 'http-01') {
        context.addIssue({
          code: 'custom',
          path: ['issuers', index, 'webroots'],
          message: 'web roots answer HTTP-01 only: remove webroots or set challenge: http-01',
        });
      }
    }
    if (value.default !== undefined && value.default !== 'internal' && !names.includes(value.default)) {
      context.addIssue({
        code: 'custom',
        path: ['default'],
        message: `${value.default} is not an issuer here: name internal or one of ${names.join(', ') || '(none)'}`,
      });
    }
  });

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.length === 0 ? 'issuers file' : issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.join(', ')}; check the spelling`;
  }
  return `${path}: ${issue.message}`;
}

/**
 * Validates the parsed issuers file; `resolvePath` turns a relative caBundle into an absolute one (relative to the
 * file). Throws {@link IssuersConfigError} naming each field and its fix.
 */
export function parseIssuersConfig(input: unknown, resolvePath: (file: string) => string): IssuersConfig {
  const result = schema.safeParse(input);
  if (!result.success) throw new IssuersConfigError(result.error.issues.map(describe));
  return {
    defaultIssuer: result.data.default ?? 'internal',
    acme: result.data.issuers.map(({ eab, caBundle, webroots, ...issuer }) => ({
      ...issuer,
      eab: eab ?? null,
      caBundlePath: caBundle === undefined ? null : resolvePath(caBundle),
      ...(webroots === undefined
        ? {}
        : {
            webroots: Object.fromEntries(
              Object.entries(webroots).map(([name, folder]) => [name.toLowerCase(), resolvePath(folder)]),
            ),
          }),
    })),
  };
}
