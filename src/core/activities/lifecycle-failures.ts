/** The lifecycle's permanent failures: the ports' refusals that retrying cannot cure, so a person must act. */
import { ApplicationFailure } from '@temporalio/activity';
import { CaRejectedError } from '../ports/certificate-authority';
import { DeployRejectedError } from '../ports/deployer';
import { KeyNotFoundError } from '../ports/key-store';
import { NotificationRejectedError } from '../ports/notification-port';
import { TicketRejectedError } from '../ports/ticketing-port';

/** Port errors that retrying cannot cure: they become non-retryable failures of the same type name. */
const PERMANENT_CLASSES = [
  CaRejectedError,
  DeployRejectedError,
  KeyNotFoundError,
  NotificationRejectedError,
  TicketRejectedError,
];

/** Runs `fn`, turning the ports' permanent errors into non-retryable failures of the same type name. */
export async function permanentOnRejection<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (PERMANENT_CLASSES.some((type) => error instanceof type)) {
      const { name, message } = error as Error;
      throw ApplicationFailure.nonRetryable(message, name);
    }
    throw error;
  }
}
