import { condition, setHandler } from '@temporalio/workflow';
import type { LifecycleRequest } from '../../domain/lifecycle/model';
import { checkDecisionAllowed, checkRequestAllowed, rolesOf, samePerson } from '../../domain/lifecycle/roles';
import {
  decideRequestUpdate,
  requestRenewalUpdate,
  requestRevocationUpdate,
  type DecideRequestInput,
  type RequestRevocationInput,
} from '../definitions';
import type { RequestRenewalInput } from '../../ports/lifecycle-port';
import { joinOpenRequest } from './campaign-link';
import { nowIso, refuse, type LifecycleRun } from './state';

/** Refuses a renewal request the roster, the campaign link or the pre-approval does not allow. */
function checkRenewalRequest(run: LifecycleRun, request: RequestRenewalInput): void {
  const { st, ctx } = run;
  run.assertActive();
  const refusal = checkRequestAllowed(
    { actor: request.requestedBy, kind: 'renewal', source: request.source ?? 'owner' },
    ctx.roster,
  );
  if (refusal) refuse(refusal);
  const member = request.campaignMember;
  if (member && request.campaignId) {
    if (member.fingerprintSha256 !== st.fingerprintSha256) {
      refuse({
        code: 'already-replaced',
        message: `the campaign selected ${member.fingerprintSha256.slice(0, 16)}, but this certificate is now ${st.fingerprintSha256.slice(0, 16)}`,
      });
    }
    if (st.campaign && st.campaign.campaignId !== request.campaignId) {
      refuse({
        code: 'in-other-campaign',
        message: `campaign ${st.campaign.campaignId} is already replacing this certificate`,
      });
    }
  }
  if (request.preApprovedBy) {
    if (samePerson(request.preApprovedBy, request.requestedBy)) {
      refuse({
        code: 'self-approval',
        message: 'a request cannot be approved in advance by its own requester; another approver must decide',
      });
    }
    const roles = rolesOf(request.preApprovedBy, ctx.roster);
    if (!roles.includes('security-lead') && !roles.includes('admin') && !roles.includes('approver')) {
      refuse({
        code: 'not-approver',
        message: `${request.preApprovedBy.id} is neither an approver nor a security lead and cannot approve in advance`,
      });
    }
  }
}

/** Refuses a revocation request without a reason, from someone not allowed, or during a renewal under way. */
function checkRevocationRequest(run: LifecycleRun, request: RequestRevocationInput): void {
  const { st } = run;
  run.assertActive();
  const refusal = checkRequestAllowed(
    { actor: request.requestedBy, kind: 'revocation', source: 'owner' },
    run.ctx.roster,
  );
  if (refusal) refuse(refusal);
  if (!request.reason.trim()) {
    refuse({ code: 'reason-required', message: 'a revocation needs a reason (what happened to the key)' });
  }
  if (st.request?.status === 'approved' && !run.heldAtGate()) {
    refuse({
      code: 'request-pending',
      message: `renewal ${st.request.id} is under way; once it is installed the old certificate is revoked, then request revocation of the new one if needed`,
    });
  }
}

/** Refuses a decision the roster or the open request does not allow. */
function checkDecision(run: LifecycleRun, decision: DecideRequestInput): void {
  const refusal = checkDecisionAllowed(
    {
      actor: decision.decidedBy,
      requestId: decision.requestId,
      decision: decision.decision,
      reason: decision.reason,
    },
    run.st.request,
    run.ctx.roster,
  );
  if (refusal) refuse(refusal);
}

// The update handlers check, change state and wake the loop, which does the rest (handlers run no activities).

/** Registers the renewal request update; a campaign asking for a renewal already open joins it. */
export function setRenewalRequestHandler(run: LifecycleRun): void {
  setHandler(
    requestRenewalUpdate,
    async (request) => {
      if (!run.loaded) await condition(() => run.loaded);
      checkRenewalRequest(run, request);
      const { st } = run;
      const member = request.campaignMember;
      if (member && request.campaignId && st.campaign?.campaignId !== request.campaignId) {
        st.campaign = {
          campaignId: request.campaignId,
          fingerprintSha256: member.fingerprintSha256,
          ownerGroup: member.ownerGroup,
          state: 'pending',
          revocationReason: member.revocationReason,
          ...(member.issuer === undefined ? {} : { issuer: member.issuer }),
        };
        if (run.requestOpen()) return joinOpenRequest(run, request);
      }
      if (run.requestOpen()) return st.request as LifecycleRequest;
      return run.openRequest(
        'renewal',
        {
          source: request.source ?? 'owner',
          requestedBy: request.requestedBy,
          reason: request.reason,
          campaignId: request.campaignId ?? null,
          revocationReason: null,
          replace: true,
        },
        request.preApprovedBy ?? null,
      );
    },
    { validator: (request: RequestRenewalInput) => run.loaded && checkRenewalRequest(run, request) },
  );
}

/** Registers the revocation request update; it supersedes a request not yet under way. */
export function setRevocationRequestHandler(run: LifecycleRun): void {
  setHandler(
    requestRevocationUpdate,
    async (request) => {
      if (!run.loaded) await condition(() => run.loaded);
      checkRevocationRequest(run, request);
      if (run.st.request?.status === 'awaiting-approval' || run.heldAtGate()) {
        run.updateRequest({ status: 'superseded', failure: 'superseded by a revocation request' });
      }
      return run.openRequest(
        'revocation',
        {
          source: 'owner',
          requestedBy: request.requestedBy,
          reason: request.reason,
          campaignId: null,
          revocationReason: request.revocationReason,
          replace: request.replace ?? true,
        },
        null,
      );
    },
    { validator: (request: RequestRevocationInput) => run.loaded && checkRevocationRequest(run, request) },
  );
}

/** Registers the approver's decision update. */
export function setDecisionHandler(run: LifecycleRun): void {
  setHandler(
    decideRequestUpdate,
    async (decision) => {
      if (!run.loaded) await condition(() => run.loaded);
      checkDecision(run, decision);
      const at = nowIso();
      const decided = run.updateRequest({
        status: decision.decision === 'approve' ? 'approved' : 'rejected',
        decidedBy: decision.decidedBy,
        decidedAt: at,
        decisionReason: decision.reason?.trim() || null,
      });
      run.record(
        decided.status === 'approved' ? 'request.approved' : 'request.rejected',
        `${decided.id} by ${decision.decidedBy.id}`,
      );
      run.undisclosedDecision = decided;
      run.wake = true;
      return decided;
    },
    { validator: (decision: DecideRequestInput) => run.loaded && checkDecision(run, decision) },
  );
}
