import type { ErrorCode } from '@agentq/contracts';

/** Failures the client reports itself, when there is no answer from the gateway to go by. */
export const ClientErrorCode = {
  /** No answer: the connection failed or broke (after the retries allowed, if any). */
  NetworkError: 'NETWORK_ERROR',
  /** The call's overall deadline passed before it succeeded. */
  DeadlineExceeded: 'DEADLINE_EXCEEDED',
  /** An answer that is not agentq's JSON (a proxy's error page, a body that is not JSON). */
  UnexpectedResponse: 'UNEXPECTED_RESPONSE',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** The gateway's codes, the client's own, and any code a newer gateway may add. */
export type AgentqErrorCode = ErrorCode | ClientErrorCode | (string & {});

export interface AgentqErrorInit {
  code: AgentqErrorCode;
  message: string;
  /** The HTTP status; undefined when no answer came. */
  status?: number;
  /** The error body's `details` (the bad fields, the id of an unconfirmed submit ...). */
  details?: unknown;
  /** The gateway's `X-Request-Id` for the answer, to find its log lines. */
  requestId?: string;
  /** How long the gateway asked to wait before trying again (`Retry-After`). */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Every failure of a call: the gateway's error answer, or why none came. */
export class AgentqError extends Error {
  override readonly name = 'AgentqError';
  readonly code: AgentqErrorCode;
  readonly status: number | undefined;
  readonly details: unknown;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: AgentqErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.details = init.details;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }
}
