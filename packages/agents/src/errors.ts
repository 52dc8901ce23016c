import { ErrorCode } from '@agentq/contracts';

/** The failure classes an agent (or the worker on its behalf) can report. */
export type AgentErrorCode =
  | typeof ErrorCode.InvalidInput
  | typeof ErrorCode.Transient
  | typeof ErrorCode.ProviderRateLimited
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

/**
 * A provider said "too many requests, retry after T": the worker pauses the limiter for T
 * and runs the task again later without using an attempt.
 */
export class RateLimitedError extends AgentError {
  override readonly name = 'RateLimitedError';
  readonly code = ErrorCode.ProviderRateLimited;
  constructor(
    message: string,
    /** How long to wait before the next try. */
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
