/** The stand-in's web page (placeholder until the ticket list lands). */
import type { HttpHandler } from '../../http/http-server';
import type { StandInState } from './stand-in-state';

/** What the page needs from the stand-in. */
export interface StandInPageDependencies {
  readonly state: StandInState;
  readonly transitionAs: (key: string, toStatus: string, accountId: string) => Promise<void>;
}

/** The page's handler. */
export function createStandInPage(_deps: StandInPageDependencies): HttpHandler {
  return () => false;
}
