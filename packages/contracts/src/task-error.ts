import { ErrorCode } from './error-code.js';
import type { TaskError } from './task.js';

/**
 * BullMQ keeps one string per failed job (`failedReason`). The worker writes it as
 * `[CODE] message` so the code survives; these two functions are the only place that
 * format is written or read.
 */
export function encodeTaskError(error: TaskError): string {
  return `[${error.code}] ${error.message}`;
}

const ENCODED = /^\[([A-Z][A-Z0-9_]*)\] ([\s\S]*)$/;

/** Reads a `failedReason`; a reason in another format counts as AGENT_FAILED. */
export function decodeTaskError(reason: string): TaskError {
  const match = ENCODED.exec(reason);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    return { code: match[1], message: match[2] };
  }
  return { code: ErrorCode.AgentFailed, message: reason };
}
