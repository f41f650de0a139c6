/**
 * A small stand-in for the lifecycle workflow that implements the messages of workflows/definitions.ts with the real
 * validators (domain/lifecycle/roles.ts) on a fixed roster, so the client layer and the CLI are tested against the
 * contract rather than against the real workflow's code. Bundled on its own by lifecycle-test-worker.ts.
 */
import { ApplicationFailure, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Actor, LifecycleRecord, LifecycleRequest } from '../../domain/lifecycle/model';
import {
  checkDecisionAllowed,
  checkRequestAllowed,
  type LifecycleRoster,
  type Refusal,
} from '../../domain/lifecycle/roles';
import {
  certificateReplacedSignal,
  decideRequestUpdate,
  LIFECYCLE_REFUSAL,
  lifecycleInputsChangedSignal,
  lifecycleStateQuery,
  requestRenewalUpdate,
  requestRevocationUpdate,
  type CertificateLifecycleInput,
  type CertificateLifecycleResult,
  type DecideRequestInput,
  type LifecycleView,
  type RequestRenewalInput,
  type RequestRevocationInput,
} from '../../workflows/definitions';

/** Who may do what in the test workflow: alice owns, bob and carol approve, sec is a security lead. */
export const TEST_ROSTER: LifecycleRoster = {
  ownerGroup: 'payments',
  owners: ['email:alice@example.com', 'email:bob@example.com', 'email:carol@example.com'],
  approvers: ['email:bob@example.com', 'email:carol@example.com'],
  securityLeads: ['email:sec@example.com'],
  admins: [],
};

function refuse(refusal: Refusal): never {
  throw ApplicationFailure.create({ type: LIFECYCLE_REFUSAL, message: refusal.message, details: [refusal.code] });
}

/** The stand-in lifecycle: answers updates and the state query, records signals, runs until retired. */
export async function certificateLifecycleWorkflow(
  input: CertificateLifecycleInput,
): Promise<CertificateLifecycleResult> {
  const cycle = 1;
  let sequence = 0;
  let request: LifecycleRequest | null = null;
  let retired = false;
  const records: LifecycleRecord[] = [];
  const record = (kind: string, detail: string) => {
    records.push({ at: new Date().toISOString(), kind, detail });
  };
  const open = () => request !== null && ['awaiting-approval', 'approved'].includes(request.status);

  const newRequest = (
    kind: LifecycleRequest['kind'],
    requestedBy: Actor,
    reason: string,
    fields: Partial<LifecycleRequest>,
  ): LifecycleRequest => {
    sequence += 1;
    request = {
      id: `${input.managedCertificateId}.${cycle}.${sequence}`,
      kind,
      source: 'owner',
      requestedBy,
      requestedAt: new Date().toISOString(),
      reason,
      status: 'awaiting-approval',
      campaignId: null,
      revocationReason: null,
      replace: true,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
      approvalReminders: 0,
      approvalEscalated: false,
      failure: null,
      ...fields,
    };
    record(`${kind}.requested`, `${requestedBy.id}: ${reason}`);
    return request;
  };

  setHandler(
    requestRenewalUpdate,
    (renewal) => {
      if (open() && request?.kind === 'renewal') return request;
      const source = renewal.source ?? 'owner';
      const preApproved = renewal.preApprovedBy;
      return newRequest('renewal', renewal.requestedBy, renewal.reason, {
        source,
        campaignId: renewal.campaignId ?? null,
        ...(preApproved ? { status: 'approved', decidedBy: preApproved, decidedAt: new Date().toISOString() } : {}),
      });
    },
    {
      validator: (renewal: RequestRenewalInput) => {
        const source = renewal.source ?? 'owner';
        const refusal = checkRequestAllowed({ actor: renewal.requestedBy, kind: 'renewal', source }, TEST_ROSTER);
        if (refusal) refuse(refusal);
        if (open() && request?.kind !== 'renewal') {
          refuse({ code: 'request-pending', message: `request ${request?.id} is still open; decide it first` });
        }
      },
    },
  );

  setHandler(
    requestRevocationUpdate,
    (revocation) =>
      newRequest('revocation', revocation.requestedBy, revocation.reason, {
        source: 'owner',
        revocationReason: revocation.revocationReason,
        replace: revocation.replace ?? true,
      }),
    {
      validator: (revocation: RequestRevocationInput) => {
        const refusal = checkRequestAllowed(
          { actor: revocation.requestedBy, kind: 'revocation', source: 'owner' },
          TEST_ROSTER,
        );
        if (refusal) refuse(refusal);
        if (open())
          refuse({ code: 'request-pending', message: `request ${request?.id} is still open; decide it first` });
      },
    },
  );

  setHandler(
    decideRequestUpdate,
    (decision) => {
      const current = request!;
      request = {
        ...current,
        status: decision.decision === 'approve' ? 'approved' : 'rejected',
        decidedBy: decision.decidedBy,
        decidedAt: new Date().toISOString(),
        decisionReason: decision.reason ?? null,
      };
      record(`request.${decision.decision === 'approve' ? 'approved' : 'rejected'}`, decision.decidedBy.id);
      if (request.kind === 'revocation' && request.status === 'approved' && !request.replace) retired = true;
      return request;
    },
    {
      validator: (decision: DecideRequestInput) => {
        const refusal = checkDecisionAllowed(
          {
            actor: decision.decidedBy,
            requestId: decision.requestId,
            decision: decision.decision,
            reason: decision.reason,
          },
          request,
          TEST_ROSTER,
        );
        if (refusal) refuse(refusal);
      },
    },
  );

  setHandler(certificateReplacedSignal, (replaced) => {
    record('certificate.replaced', `${replaced.fingerprintSha256} (${replaced.detectedBy})`);
  });
  setHandler(lifecycleInputsChangedSignal, (changed) => {
    record('inputs.changed', `${changed.reason} by ${changed.by}`);
  });

  const startedAt = workflowInfo().startTime;
  setHandler(lifecycleStateQuery, (): LifecycleView => {
    const day = 86_400_000;
    const at = (days: number) => new Date(startedAt.getTime() + days * day).toISOString();
    return {
      managedCertificateId: input.managedCertificateId,
      workflowId: workflowInfo().workflowId,
      cycle,
      phase: retired ? 'retired' : request?.status === 'awaiting-approval' ? 'awaiting-approval' : 'monitoring',
      certificate: null,
      ownerGroup: TEST_ROSTER.ownerGroup,
      renewalDeadline: at(70),
      plan: [
        { kind: 'reminder', at: at(-1), offsetDays: 90, daysBeforeExpiry: 90, status: 'done' },
        { kind: 'reminder', at: at(30), offsetDays: 60, daysBeforeExpiry: 60, status: 'planned' },
      ],
      next: { at: at(30), level: 'reminder' },
      request,
      ticket: null,
      pendingRevocation: null,
      records: [...records],
      lastProblem: null,
    };
  });

  await condition(() => retired);
  return { managedCertificateId: input.managedCertificateId, outcome: 'retired', cycle, records };
}
