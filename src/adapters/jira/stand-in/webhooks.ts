/**
 * Outgoing webhooks, as Jira sends them: `jira:issue_updated` with the issue, the acting user and a changelog,
 * signed with the configured secret in `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. A failed
 * delivery is recorded, never thrown: Jira does not tell the person who moved a ticket that a webhook failed.
 */
import { createHmac, randomUUID } from 'node:crypto';

/** Where webhooks go and the secret they are signed with. */
export interface JiraWebhookTarget {
  readonly url: string;
  readonly secret: string;
}

/** One delivery attempt: the HTTP status the receiver answered, or why it could not be reached. */
export interface WebhookDelivery {
  /** `X-Atlassian-Webhook-Identifier`: unique per delivery, as Jira Cloud sends it for receivers to deduplicate. */
  readonly identifier: string;
  readonly body: Record<string, unknown>;
  readonly signature: string;
  readonly status?: number;
  readonly error?: string;
}

/** The HMAC header value for a raw body, as Jira computes it. */
export function webhookSignature(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

// A receiver that never answers must not hold close() forever.
const DELIVERY_TIMEOUT_MS = 10_000;

/** Sends and records webhooks; without a target it records nothing. */
export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly target: JiraWebhookTarget | undefined) {}

  /** Delivers `body`; resolves once it was answered or failed, and never rejects. */
  send(body: Record<string, unknown>): Promise<void> {
    if (this.target === undefined) return Promise.resolve();
    const { url, secret } = this.target;
    const raw = JSON.stringify(body);
    const signature = webhookSignature(secret, raw);
    const identifier = randomUUID();
    const delivery = (async () => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'X-Hub-Signature': signature,
            'X-Atlassian-Webhook-Identifier': identifier,
            'User-Agent': 'Atlassian Webhook HTTP Client',
          },
          body: raw,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        await response.arrayBuffer();
        this.deliveries.push({ identifier, body, signature, status: response.status });
      } catch (error) {
        this.deliveries.push({
          identifier,
          body,
          signature,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    })();
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
    return delivery;
  }

  /** Resolves once every delivery started so far has been answered or failed. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
