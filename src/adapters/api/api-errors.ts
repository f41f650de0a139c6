/** The problem each known error of the application layer answers with; null for failures that are certflow's own. */
import {
  CampaignNotFoundError,
  CampaignRefusedError,
  CampaignTimeoutError,
} from '../../core/application/campaign-operations';
import { CertificateChangeError } from '../../core/application/certificate-changes';
import {
  InvalidRequestIdError,
  LifecycleTimeoutError,
  TemporalUnavailableError,
} from '../../core/application/lifecycle-errors';
import { OwnerGroupInputError } from '../../core/application/owner-groups';
import { ManagedCertificateNotFoundError } from '../../core/application/resolve-managed-certificate';
import { RoleRefusedError } from '../../core/application/security-roles';
import { AmbiguousIdError, InventoryInputError, UnknownCertificateError } from '../../core/ports/inventory-errors';
import { LifecycleNotFoundError, LifecycleRefusedError } from '../../core/ports/lifecycle-port';
import { problem, type Problem } from './problem';

const ASK_WHO_MAY = "the server's configuration and the owner group decide who may do this; ask one who may";

/** A campaign refusal's status: a role is a 403, a missing reason a 400, anything else the campaign's state (409). */
function campaignRefusal(error: CampaignRefusedError): Problem {
  if (error.code === 'not-security-lead' || error.code === 'roles-not-published') {
    return problem(403, 'refused', 'Refused', error.message, ASK_WHO_MAY, { code: error.code });
  }
  if (error.code === 'reason-required') {
    return problem(400, 'invalid-request', 'Invalid request', error.message, 'give a reason', { code: error.code });
  }
  return problem(409, 'conflict', 'Conflict', error.message, 'read the campaign again and act on what it shows', {
    code: error.code,
  });
}

/** Maps an application error to its problem. */
export function apiErrorProblem(error: Error): Problem | null {
  if (error instanceof InventoryInputError || error instanceof InvalidRequestIdError) {
    return problem(400, 'invalid-request', 'Invalid request', error.message, 'correct the parameter it names');
  }
  if (error instanceof AmbiguousIdError) {
    return problem(400, 'ambiguous-id', 'Ambiguous id', error.message, 'give more digits of the id');
  }
  if (error instanceof LifecycleRefusedError) return problem(403, 'refused', 'Refused', error.message, ASK_WHO_MAY);
  if (error instanceof RoleRefusedError) {
    return problem(403, 'refused', 'Refused', error.message, ASK_WHO_MAY, { code: error.code });
  }
  if (error instanceof CampaignRefusedError) return campaignRefusal(error);
  if (error instanceof OwnerGroupInputError) {
    if (error.code === 'exists') {
      return problem(409, 'conflict', 'Conflict', error.message, 'PATCH /api/v1/owner-groups/{id} changes it');
    }
    if (error.code === 'not-found') {
      return problem(404, 'not-found', 'Not found', error.message, 'POST /api/v1/owner-groups creates it');
    }
    return problem(400, 'invalid-request', 'Invalid request', error.message, 'complete the group as the detail says');
  }
  if (error instanceof CertificateChangeError) {
    return problem(400, 'invalid-request', 'Invalid request', error.message, 'correct the value the detail names');
  }
  if (
    error instanceof ManagedCertificateNotFoundError ||
    error instanceof LifecycleNotFoundError ||
    error instanceof UnknownCertificateError
  ) {
    return problem(404, 'not-found', 'Not found', error.message, 'check the id; GET /api/v1/certificates searches');
  }
  if (error instanceof CampaignNotFoundError) {
    return problem(404, 'not-found', 'Not found', error.message, 'GET /api/v1/campaigns lists the campaigns');
  }
  if (
    error instanceof TemporalUnavailableError ||
    error instanceof LifecycleTimeoutError ||
    error instanceof CampaignTimeoutError
  ) {
    return problem(503, 'lifecycles-unavailable', 'Lifecycles unavailable', error.message, 'retry in a moment');
  }
  return null;
}
