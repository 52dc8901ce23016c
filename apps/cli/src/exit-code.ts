import { AgentqError } from '@agentq/client';
import type { TaskState, WorkflowView } from '@agentq/client';
import { UsageError } from './usage-error.js';

/** What `agentq` exits with; scripts branch on these (listed in the README and `--help`). */
export const ExitCode = {
  /** Done; a task or workflow that was followed completed. */
  Ok: 0,
  /** The task or workflow failed. */
  Failed: 1,
  /** Bad usage or bad input: unknown option, unreadable file, a spec the API refused (400, 413, 422). */
  Usage: 2,
  /** The task or workflow was cancelled. */
  Cancelled: 3,
  /** The API answered with another error (401, 403, 404, 409, 429, 5xx) or could not be reached. */
  ApiError: 4,
  /** Detached (Ctrl-C): the task or workflow goes on without us. */
  Detached: 5,
  /** A bug in agentq itself. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The help text's table of exit codes. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok; a followed task or workflow completed
  1  the task or workflow failed
  2  usage or bad input (also a spec the API refused: 400, 413, 422)
  3  the task or workflow was cancelled
  4  API or connection error (401, 403, 404, 409, 429, 5xx, no answer)
  5  detached with Ctrl-C: the task goes on
  70 internal error`;

type Outcome = TaskState | WorkflowView['state'];

/** The exit code of a finished (or left) task or workflow. */
export function exitCodeOfState(state: Outcome): ExitCode {
  switch (state) {
    case 'completed':
      return ExitCode.Ok;
    case 'failed':
      return ExitCode.Failed;
    case 'cancelled':
      return ExitCode.Cancelled;
    case 'waiting':
    case 'delayed':
    case 'active':
    case 'running':
      return ExitCode.Detached;
  }
}

/** Statuses that mean the request itself was wrong: fixing the input is what helps. */
const BAD_INPUT_STATUSES: ReadonlySet<number> = new Set([400, 413, 422]);

export function exitCodeOfError(error: unknown): ExitCode {
  if (error instanceof UsageError) return ExitCode.Usage;
  if (error instanceof AgentqError) {
    return error.status !== undefined && BAD_INPUT_STATUSES.has(error.status)
      ? ExitCode.Usage
      : ExitCode.ApiError;
  }
  return ExitCode.Internal;
}
