/**
 * What the daily renewal-information check asks of lifecycles (R-REN-3): to be told a CA's suggested window. The
 * application layer implements it over Temporal; the check's activity uses it.
 */
import type { SuggestedRenewalWindow } from '../domain/lifecycle/ca-renewal-window';

/** Tells lifecycles the renewal windows their CAs suggest. */
export interface RenewalWindowSignals {
  /** Signals the managed certificate's lifecycle; `not-running` when none runs (it is started elsewhere). */
  suggestRenewalWindow(
    managedCertificateId: string,
    window: SuggestedRenewalWindow,
  ): Promise<'signalled' | 'not-running'>;
}
