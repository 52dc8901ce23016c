/**
 * Every error agentq reports, over HTTP and on failed tasks. Clients switch on these
 * strings; they never change meaning.
 */
export const ErrorCode = {
  // Request errors (gateway).
  ValidationFailed: 'VALIDATION_FAILED',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  /** The task existed and finished, but retention removed it; `details` says when and how. */
  Expired: 'EXPIRED',
  Conflict: 'CONFLICT',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  UnknownAgent: 'UNKNOWN_AGENT',
  RateLimited: 'RATE_LIMITED',
  /** A tenant holds as many unfinished tasks as it may. */
  QuotaExceeded: 'QUOTA_EXCEEDED',
  /** A tenant used its LLM tokens or cost for the day or month. */
  BudgetExceeded: 'BUDGET_EXCEEDED',
  Unavailable: 'UNAVAILABLE',
  /** The gateway has no scaler to forward to (none configured, or it does not answer). */
  ScalerUnavailable: 'SCALER_UNAVAILABLE',
  /**
   * Redis took the write but did not confirm it: the task (or workflow) may or may not
   * exist; `details` names its id so that a GET tells.
   */
  OutcomeUnknown: 'OUTCOME_UNKNOWN',
  Internal: 'INTERNAL',
  // Task outcomes (worker).
  InvalidInput: 'INVALID_INPUT',
  AgentFailed: 'AGENT_FAILED',
  Transient: 'TRANSIENT',
  ProviderRateLimited: 'PROVIDER_RATE_LIMITED',
  /** The LLM provider's account is out of quota: no retry. */
  ProviderQuotaExhausted: 'PROVIDER_QUOTA_EXHAUSTED',
  Timeout: 'TIMEOUT',
  /** The worker running the task died (or froze past its lock) mid-run. */
  WorkerLost: 'WORKER_LOST',
  Cancelled: 'CANCELLED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
