import { AgentError, type AgentErrorCode } from '@agentq/agents';
import { ErrorCode } from '@agentq/contracts';

/** What the worker does with a failed attempt. */
export type FailureAction = 'retry' | 'fail';

export interface Classification {
  action: FailureAction;
  code: AgentErrorCode | typeof ErrorCode.AgentFailed;
}

/**
 * The one retry decision: by error class (its code), never by message text. Errors that
 * are not agentq's own (a bug, a network error deep in a library) are retried.
 */
export function classifyError(error: unknown): Classification {
  if (!(error instanceof AgentError)) return { action: 'retry', code: ErrorCode.AgentFailed };
  const code = error.code;
  switch (code) {
    case ErrorCode.InvalidInput:
    case ErrorCode.Cancelled:
      return { action: 'fail', code };
    // PROVIDER_RATE_LIMITED retries too, until the worker pauses its limiter for it.
    case ErrorCode.Transient:
    case ErrorCode.Timeout:
    case ErrorCode.ProviderRateLimited:
      return { action: 'retry', code };
  }
}
