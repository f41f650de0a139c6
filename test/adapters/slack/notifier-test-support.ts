/**
 * What the Slack notifier tests share: the stand-in workspace they post to, and digest windows they close
 * themselves, so no test waits for a timer to guess timing.
 */
import type { DigestScheduler } from '../../../src/adapters/slack/slack-notifier';
import { type SlackStandIn, startSlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';

/** The owner group's channel in {@link startNotifierStandIn}'s workspace. */
export const NOTIFIER_CHANNEL = 'C0PAYMENTS';

/** A stand-in with Alice (known by e-mail), Bob (by Slack id) and the group's channel. */
export function startNotifierStandIn(botToken: string): Promise<SlackStandIn> {
  return startSlackStandIn({
    botToken,
    signingSecret: 'unused-here',
    users: [
      { id: 'U0ALICE', name: 'alice', email: 'alice@example.com' },
      { id: 'U0BOB', name: 'bob' },
    ],
    channels: [{ id: NOTIFIER_CHANNEL, name: 'payments-web' }],
  });
}

interface Window {
  readonly delayMs: number;
  readonly send: () => void;
  cancelled: boolean;
}

/** Windows that stay open until the test closes them. */
export class ManualWindows {
  private readonly windows: Window[] = [];

  /** Give this to the notifier as `schedule`. */
  readonly schedule: DigestScheduler = (delayMs, send) => {
    const window: Window = { delayMs, send, cancelled: false };
    this.windows.push(window);
    return () => {
      window.cancelled = true;
    };
  };

  /** The delays of the windows still open. */
  open(): number[] {
    return this.windows.filter((window) => !window.cancelled).map((window) => window.delayMs);
  }

  /** Closes every open window, as if its time had come. */
  closeAll(): void {
    for (const window of this.windows.splice(0)) {
      if (window.cancelled) continue;
      window.cancelled = true;
      window.send();
    }
  }
}

/** Closes a window as soon as the test yields: sends made in one synchronous step share it. */
export const closeOnYield: DigestScheduler = (_delayMs, send) => {
  let cancelled = false;
  queueMicrotask(() => {
    if (!cancelled) send();
  });
  return () => {
    cancelled = true;
  };
};
