import { ErrorCode } from '@agentq/contracts';
import { ApiError } from '../http/api-error.js';

/**
 * 413 for an input over the limit, measured as JSON (as it is stored), before the agent's
 * schema reads it: a task is kept in Redis, passed to a worker and answered back whole.
 * `path` names the input in the error's details.
 */
export function assertInputSize(input: unknown, limitBytes: number, path: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(input) ?? '');
  if (bytes <= limitBytes) return;
  throw new ApiError(
    ErrorCode.PayloadTooLarge,
    `input of ${bytes} bytes as JSON exceeds the limit of ${limitBytes}`,
    [{ path, message: `must be at most ${limitBytes} bytes as JSON` }],
  );
}
