import { ErrorCode } from '@agentq/contracts';

/** The failure classes an agent (or the worker on its behalf) can report. */
export type AgentErrorCode =
  | typeof ErrorCode.InvalidInput
  | typeof ErrorCode.Transient
  | typeof ErrorCode.ProviderRateLimited
  | typeof ErrorCode.ProviderQuotaExhausted
  | typeof ErrorCode.BudgetExceeded
  | typeof ErrorCode.Timeout
  | typeof ErrorCode.Cancelled;

/**
 * Errors that say how a failure should be treated. The worker classifies by class (via
 * `code`), never by message text.
 */
export abstract class AgentError extends Error {
  abstract readonly code: AgentErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The input can never succeed: fail at once, no retry. */
export class InvalidInputError extends AgentError {
  override readonly name = 'InvalidInputError';
  readonly code = ErrorCode.InvalidInput;
}

/** A passing failure (network, 5xx): retry with backoff. */
export class TransientError extends AgentError {
  override readonly name = 'TransientError';
  readonly code = ErrorCode.Transient;
}

/** The attempt ran out of time: retry with backoff. */
export class TimeoutError extends AgentError {
  override readonly name = 'TimeoutError';
  readonly code = ErrorCode.Timeout;
}

/** The task was cancelled: stop, no retry. */
export class CancelledError extends AgentError {
  override readonly name = 'CancelledError';
  readonly code = ErrorCode.Cancelled;
}

/** What held a call back: tells an operator which limit to look at. */
export type HoldReason =
  /** The provider's circuit is open (it failed repeatedly, or rejected the configuration). */
  | 'circuit-open'
  /** The provider answered 429 (or 503 with Retry-After). */
  | 'provider-429'
  /** agentq's own requests/tokens-per-minute budget for the model. */
  | 'rpm-tpm-budget'
  /** As many calls to the provider (or model) are running as it may take at once. */
  | 'concurrency'
  /** An agent's own RateLimitedError. */
  | 'agent';

/**
 * A provider said "too many requests, retry after T" (or a limit or open circuit holds the
 * call): the worker runs the task again after T without using an attempt, within a bound.
 */
export class RateLimitedError extends AgentError {
  override readonly name = 'RateLimitedError';
  readonly code = ErrorCode.ProviderRateLimited;
  readonly reason: HoldReason;
  constructor(
    message: string,
    /** How long to wait before the next try. */
    readonly retryAfterMs: number,
    options?: { cause?: unknown; reason?: HoldReason },
  ) {
    super(message, options);
    this.reason = options?.reason ?? 'agent';
  }
}

/**
 * The provider's account has no quota left (OpenAI's `insufficient_quota`): waiting does
 * not help, so the task fails without a retry.
 */
export class QuotaExhaustedError extends AgentError {
  override readonly name = 'QuotaExhaustedError';
  readonly code = ErrorCode.ProviderQuotaExhausted;
}

/** The tenant used its LLM budget for the day or month: no retry (it would fail the same way). */
export class BudgetExceededError extends AgentError {
  override readonly name = 'BudgetExceededError';
  readonly code = ErrorCode.BudgetExceeded;
}
