import { AgentError, RateLimitedError, type AgentErrorCode, type HoldReason } from '@agentq/agents';
import { ErrorCode } from '@agentq/contracts';
import { InvalidOutputError } from './agent-output.js';
import { HandBackError, InterruptedError } from './hand-back.js';

type Code = AgentErrorCode | typeof ErrorCode.AgentFailed;

/**
 * What the worker does with a failed attempt:
 * - `retry`: BullMQ runs it again after a backoff, until attempts run out;
 * - `fail`: no retry (UnrecoverableError);
 * - `rate-limit`: run it again after `retryAfterMs`, using no attempt (a pool with a rate
 *   limit of its own pauses as a whole meanwhile);
 * - `hand-back`: the worker is shutting down; the task goes back to the queue, no attempt.
 */
export type Classification =
  | { action: 'retry' | 'fail'; code: Code }
  | { action: 'rate-limit'; code: Code; retryAfterMs: number; reason: HoldReason }
  | { action: 'hand-back' };
export type FailureAction = Classification['action'];
/** A failed attempt: retried with backoff, or failed for good. */
export type AttemptFailure = Extract<Classification, { action: 'retry' | 'fail' }>;

/**
 * The one retry decision: by error class (its code), never by message text. Errors that
 * are not agentq's own (a bug, a network error deep in a library) are retried.
 */
export function classifyError(error: unknown): Classification {
  if (error instanceof HandBackError) return { action: 'hand-back' };
  // Interrupted by a shutdown in a pool that never reruns tasks: like a crash, no retry.
  if (error instanceof InterruptedError) return { action: 'fail', code: ErrorCode.AgentFailed };
  // The agent's own result broke its contract: running it again would too.
  if (error instanceof InvalidOutputError) return { action: 'fail', code: ErrorCode.AgentFailed };
  if (!(error instanceof AgentError)) return { action: 'retry', code: ErrorCode.AgentFailed };
  const code = error.code;
  switch (code) {
    case ErrorCode.InvalidInput:
    case ErrorCode.Cancelled:
    case ErrorCode.ProviderQuotaExhausted:
    case ErrorCode.BudgetExceeded:
      return { action: 'fail', code };
    case ErrorCode.ProviderRateLimited:
      // The provider says when to come back; a RateLimitedError without a usable time
      // (an agent's bug) still waits, for a second.
      return {
        action: 'rate-limit',
        code,
        retryAfterMs:
          error instanceof RateLimitedError && error.retryAfterMs > 0 ? error.retryAfterMs : 1000,
        reason: error instanceof RateLimitedError ? error.reason : 'agent',
      };
    case ErrorCode.Transient:
    case ErrorCode.Timeout:
      return { action: 'retry', code };
  }
}
