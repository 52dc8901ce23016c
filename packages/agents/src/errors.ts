import { ErrorCode } from '@agentq/contracts';

/** The failure classes an agent (or the worker on its behalf) can report. */
export type AgentErrorCode =
  | typeof ErrorCode.InvalidInput
  | typeof ErrorCode.Transient
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
