/**
 * Errors the lifecycle client throws besides the lifecycle port's own, each telling the fix, and the reading of
 * Temporal's gRPC failures they are made from (the campaign client reads them too).
 */
import { isGrpcServiceError, ServiceError } from '@temporalio/client';

/** gRPC status codes the lifecycle and campaign calls can fail with. */
export const GRPC = { invalidArgument: 3, notFound: 5, unavailable: 14 } as const;

/** The lifecycle accepted the request but its handler failed; the message carries the workflow's reason. */
export class LifecycleRequestFailedError extends Error {
  override readonly name = 'LifecycleRequestFailedError';
}

/** A request id is not of the form `<managed id>.<cycle>.<n>`. */
export class InvalidRequestIdError extends Error {
  override readonly name = 'InvalidRequestIdError';
  constructor(readonly requestId: string) {
    super(
      `"${requestId}" is not a request id; request ids look like 3f2a9c1e0b7d4a65.1.2 ` +
        '(`certflow lifecycle status <certificate>` shows the open one)',
    );
  }
}

/** Temporal cannot be reached (or stopped answering) while a lifecycle call was under way. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      `Temporal is not reachable: ${detail}. Start certflow with \`npm start\`, or set TEMPORAL_ADDRESS to a running server`,
      options,
    );
  }
}

/** Temporal answered but no certflow worker handled the call in time. */
export class LifecycleTimeoutError extends Error {
  override readonly name = 'LifecycleTimeoutError';
  constructor(managedCertificateId: string, timeoutMs: number, taskQueue: string) {
    super(
      `the lifecycle of ${managedCertificateId} did not answer within ${Math.round(timeoutMs / 1000)} s: is the ` +
        `certflow worker running (npm start) and polling task queue "${taskQueue}"?`,
    );
  }
}

/** The Temporal namespace lacks certflow's search attributes, so lifecycles cannot start. */
export class SearchAttributesMissingError extends Error {
  override readonly name = 'SearchAttributesMissingError';
  constructor(detail: string) {
    super(
      `Temporal refused certflow's search attributes (${detail}): start the certflow worker once (npm start), ` +
        'which registers them, then try again',
    );
  }
}

/** The TemporalUnavailableError an error means when Temporal could not be reached (gRPC UNAVAILABLE), else null. */
export function temporalUnavailable(error: unknown): TemporalUnavailableError | null {
  return grpcCode(error) === GRPC.unavailable ? new TemporalUnavailableError(messageOf(error), { cause: error }) : null;
}

/** The gRPC status code of a failed Temporal call, if it has one. */
export function grpcCode(error: unknown): number | undefined {
  if (isGrpcServiceError(error)) return error.code;
  if (error instanceof ServiceError && isGrpcServiceError(error.cause)) return error.cause.code;
  return undefined;
}

/** What a failed Temporal call says: gRPC's details when it has them. */
export function messageOf(error: unknown): string {
  if (isGrpcServiceError(error)) return error.details || error.message;
  if (error instanceof ServiceError && isGrpcServiceError(error.cause)) return error.cause.details || error.message;
  return error instanceof Error ? error.message : String(error);
}
