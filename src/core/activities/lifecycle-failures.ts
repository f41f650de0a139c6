/** The lifecycle's permanent failures: the ports' refusals that retrying cannot cure, so a person must act. */
import { ApplicationFailure } from '@temporalio/activity';
import { CaRejectedError, CaUnavailableError } from '../ports/certificate-authority';
import { DeployRejectedError } from '../ports/deployer';
import { KeyNotFoundError } from '../ports/key-store';
import { NotificationInDoubtError, NotificationRejectedError } from '../ports/notification-port';
import { TicketRejectedError } from '../ports/ticketing-port';

/** Port errors that retrying cannot cure: they become non-retryable failures of the same type name. */
const PERMANENT_CLASSES = [
  CaRejectedError,
  DeployRejectedError,
  KeyNotFoundError,
  NotificationRejectedError,
  TicketRejectedError,
];

/**
 * Runs `fn`, turning the ports' permanent errors into non-retryable failures of the same type name, and a CA's
 * Retry-After or a notification in doubt into the delay before the next attempt.
 */
export async function permanentOnRejection<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (PERMANENT_CLASSES.some((type) => error instanceof type)) {
      const { name, message } = error as Error;
      throw ApplicationFailure.nonRetryable(message, name);
    }
    // A CA that said when to come back (Retry-After) is retried then, not on the policy's next backoff step.
    if (error instanceof CaUnavailableError && error.retryAfterSeconds !== null) {
      throw ApplicationFailure.create({
        message: error.message,
        type: error.name,
        nextRetryDelay: `${Math.max(1, error.retryAfterSeconds)}s`,
      });
    }
    throw inDoubtFailure(error);
  }
}

/** Runs `fn`, retrying a notification in doubt once its earlier message can have appeared. */
export async function retriedWhenInDoubt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw inDoubtFailure(error);
  }
}

/** A message an earlier attempt posted may still appear: the retry looks for it once it can have. */
function inDoubtFailure(error: unknown): unknown {
  if (!(error instanceof NotificationInDoubtError)) return error;
  return ApplicationFailure.create({
    message: error.message,
    type: error.name,
    nextRetryDelay: `${Math.max(1, Math.ceil(error.retryAfterMs / 1000))}s`,
  });
}
