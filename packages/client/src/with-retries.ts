import { AgentqError, ClientErrorCode } from './agentq-error.js';
import { abortableSleep } from './abortable-sleep.js';
import { backoffDelayMs, type RetryOptions } from './retry-policy.js';

/** Statuses that say the request did not get through, or may not have: try again. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

export interface RetryContext {
  policy: RetryOptions;
  /**
   * Whether sending the request again cannot do its work twice (reads, cancels, submits
   * with an idempotency key). Only these are retried after no answer or a 5xx.
   */
  idempotent: boolean;
  /** The caller's signal: aborts the try in flight and any backoff. */
  signal?: AbortSignal | undefined;
  /** Time the gateway may hold the answer on purpose (`?wait=`), added to the deadline. */
  holdMs?: number | undefined;
}

/**
 * Runs `send` until it succeeds, retrying what is safe to retry with backoff and full
 * jitter (a 429 after its Retry-After), within the attempts and deadline of the policy.
 * `send` gets a signal that aborts at the deadline or when the caller aborts.
 */
export async function withRetries<T>(
  send: (signal: AbortSignal) => Promise<T>,
  context: RetryContext,
): Promise<T> {
  const { policy, signal: callerSignal } = context;
  const budgetMs = policy.deadlineMs + (context.holdMs ?? 0);
  const deadlineAt = Date.now() + budgetMs;
  const deadline = AbortSignal.timeout(budgetMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
  for (let attempt = 1; ; attempt++) {
    let failure: AgentqError;
    try {
      return await send(signal);
    } catch (error) {
      callerSignal?.throwIfAborted();
      if (deadline.aborted) throw deadlineExceeded(error);
      failure = asAgentqError(error);
    }
    const delayMs = retryDelayMs(failure, attempt, context);
    if (delayMs === undefined || attempt >= policy.maxAttempts) throw failure;
    // A wait that would outlast the deadline cannot end in success: report the cause now.
    if (Date.now() + delayMs >= deadlineAt) throw failure;
    try {
      await abortableSleep(delayMs, signal);
    } catch {
      callerSignal?.throwIfAborted();
      throw deadlineExceeded(failure);
    }
  }
}

/** The backoff before the next try, or undefined when this failure must not be retried. */
function retryDelayMs(
  failure: AgentqError,
  attempt: number,
  { policy, idempotent }: RetryContext,
): number | undefined {
  // A 429 means nothing was done; one without Retry-After would fail again however long we wait.
  if (failure.status === 429) return failure.retryAfterMs;
  const transient =
    failure.code === ClientErrorCode.NetworkError ||
    (failure.status !== undefined && RETRYABLE_STATUSES.has(failure.status));
  return transient && idempotent ? backoffDelayMs(attempt, policy) : undefined;
}

/** Anything `send` throws that is not an answer is a failed or broken connection. */
function asAgentqError(error: unknown): AgentqError {
  if (error instanceof AgentqError) return error;
  return new AgentqError({
    code: ClientErrorCode.NetworkError,
    message: `no answer from the gateway: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}

function deadlineExceeded(cause: unknown): AgentqError {
  return new AgentqError({
    code: ClientErrorCode.DeadlineExceeded,
    message: 'the call did not succeed before its deadline',
    cause,
  });
}
