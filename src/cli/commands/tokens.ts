/**
 * `certflow tokens create | list | revoke`: the HTTP API's bearer tokens (issue 20). A token acts as the principal
 * given with --actor; what that principal may do is decided by the server's configuration, as for Slack and the CLI.
 * The secret is printed once and only its hash is kept.
 */
import { issueApiToken, TOKEN_NAME_PATTERN } from '../../adapters/api/api-token-secrets';
import { SqlApiTokenStore } from '../../adapters/database/sql-api-token-store';
import { parseDuration } from '../../core/domain/duration';
import { readPrincipal } from '../../runtime/config-readers';
import { UsageError } from '../errors';
import { renderTable } from '../format/table';
import type { InventoryContext } from '../inventory-context';

/** Options of `certflow tokens`. */
export const TOKENS_OPTIONS = {
  actor: { type: 'string' },
  name: { type: 'string' },
  expires: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Usage of `certflow tokens`. */
export const TOKENS_USAGE =
  'certflow tokens create --actor <principal> --name <name> [--expires <90d>] | list | revoke <name>';

/** Runs one `certflow tokens` action. */
export async function runTokens(
  action: string,
  name: string | undefined,
  values: { actor?: string; name?: string; expires?: string; json?: boolean },
  context: Pick<InventoryContext, 'db' | 'store' | 'actor' | 'where'>,
  io: { out: (line: string) => void },
  now: Date,
): Promise<boolean> {
  const tokens = new SqlApiTokenStore({ db: context.db });
  switch (action) {
    case 'create': {
      if (name !== undefined) throw new UsageError(`tokens create takes no positional argument: ${TOKENS_USAGE}`);
      if (values.actor === undefined)
        throw new UsageError('--actor <principal> is required, e.g. email:alice@example.com');
      if (values.name === undefined || !TOKEN_NAME_PATTERN.test(values.name)) {
        throw new UsageError(
          `--name ${values.name === undefined ? 'is required' : `"${values.name}" is not a token name`}: lower-case letters, digits, ., _ and -, up to 63`,
        );
      }
      const actor = readPrincipal('--actor', values.actor);
      const expiresAt =
        values.expires === undefined ? null : new Date(now.getTime() + parseDuration(values.expires)).toISOString();
      const { secret, token } = await issueApiToken(tokens, { name: values.name, actor, expiresAt, now });
      await context.store.appendAudit([
        {
          at: now.toISOString(),
          actor: context.actor,
          action: 'api-token.created',
          subject: token.name,
          where: context.where,
          details: { actor, expiresAt },
        },
      ]);
      if (values.json) {
        io.out(JSON.stringify({ name: token.name, actor, expiresAt, token: secret }, null, 2));
      } else {
        io.out(`Token "${token.name}" acts as ${actor}${expiresAt ? `, expires ${expiresAt}` : ', never expires'}:`);
        io.out(`  ${secret}`);
        io.out('It is shown only now: keep it in a secret store. Use it as Authorization: Bearer <token>.');
      }
      return true;
    }
    case 'list': {
      if (name !== undefined) throw new UsageError(`tokens list takes no positional argument: ${TOKENS_USAGE}`);
      const listed = (await tokens.listTokens()).map(({ secretHash: _hash, ...token }) => token);
      if (values.json) io.out(JSON.stringify(listed, null, 2));
      else if (listed.length === 0)
        io.out('No API tokens; create one with certflow tokens create --actor <principal> --name <name>');
      else {
        const state = (token: (typeof listed)[number]) =>
          token.revokedAt !== null
            ? `revoked ${token.revokedAt}`
            : token.expiresAt !== null && Date.parse(token.expiresAt) <= now.getTime()
              ? 'expired'
              : 'active';
        io.out(
          renderTable(listed, [
            { header: 'NAME', cell: (token) => token.name },
            { header: 'ACTOR', cell: (token) => token.actor },
            { header: 'CREATED', cell: (token) => token.createdAt },
            { header: 'LAST USED', cell: (token) => token.lastUsedAt ?? '—' },
            { header: 'EXPIRES', cell: (token) => token.expiresAt ?? 'never' },
            { header: 'STATE', cell: state },
          ]),
        );
      }
      return true;
    }
    case 'revoke': {
      if (name === undefined) throw new UsageError(`tokens revoke needs the token's name: ${TOKENS_USAGE}`);
      const revoked = await tokens.revokeToken(name, now.toISOString());
      if (!revoked) {
        io.out(`No active token named "${name}" (certflow tokens list shows them)`);
        return false;
      }
      await context.store.appendAudit([
        {
          at: now.toISOString(),
          actor: context.actor,
          action: 'api-token.revoked',
          subject: name,
          where: context.where,
          details: {},
        },
      ]);
      io.out(
        values.json ? JSON.stringify({ name, revoked: true }) : `Revoked token "${name}"; it is refused from now on`,
      );
      return true;
    }
    default:
      throw new UsageError(`unknown tokens action "${action}": ${TOKENS_USAGE}`);
  }
}
