import type { ErrorBody } from '@agentq/contracts';
import { AgentqError, ClientErrorCode } from './agentq-error.js';
import { parseRetryAfter } from './retry-after.js';

/** The error an answer that is not a success stands for, read from agentq's error body. */
export async function errorFromResponse(response: Response): Promise<AgentqError> {
  const text = await response.text();
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const error = errorOfBody(text);
  return new AgentqError({
    code: error?.code ?? ClientErrorCode.UnexpectedResponse,
    message: error?.message ?? `HTTP ${response.status} without an agentq error body`,
    status: response.status,
    details: error?.details,
    requestId,
    retryAfterMs,
  });
}

function errorOfBody(text: string): ErrorBody['error'] | undefined {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody> | null;
    const error = body?.error;
    return typeof error?.code === 'string' && typeof error.message === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}
