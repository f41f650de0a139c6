/** The problem each known error of the application layer answers with; null for failures that are certflow's own. */
import {
  InvalidRequestIdError,
  LifecycleTimeoutError,
  TemporalUnavailableError,
} from '../../core/application/lifecycle-errors';
import { ManagedCertificateNotFoundError } from '../../core/application/resolve-managed-certificate';
import { AmbiguousIdError, InventoryInputError, UnknownCertificateError } from '../../core/ports/inventory-errors';
import { LifecycleNotFoundError, LifecycleRefusedError } from '../../core/ports/lifecycle-port';
import { problem, type Problem } from './problem';

/** Maps an application error to its problem. */
export function apiErrorProblem(error: Error): Problem | null {
  if (error instanceof InventoryInputError || error instanceof InvalidRequestIdError) {
    return problem(400, 'invalid-request', 'Invalid request', error.message, 'correct the parameter it names');
  }
  if (error instanceof AmbiguousIdError) {
    return problem(400, 'ambiguous-id', 'Ambiguous id', error.message, 'give more digits of the id');
  }
  if (error instanceof LifecycleRefusedError) {
    return problem(
      403,
      'refused',
      'Refused',
      error.message,
      "the server's configuration and the owner group decide who may do this; ask one who may",
    );
  }
  if (
    error instanceof ManagedCertificateNotFoundError ||
    error instanceof LifecycleNotFoundError ||
    error instanceof UnknownCertificateError
  ) {
    return problem(404, 'not-found', 'Not found', error.message, 'check the id; GET /api/v1/certificates searches');
  }
  if (error instanceof TemporalUnavailableError || error instanceof LifecycleTimeoutError) {
    return problem(503, 'lifecycles-unavailable', 'Lifecycles unavailable', error.message, 'retry in a moment');
  }
  return null;
}
