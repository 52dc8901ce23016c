import { z } from 'zod';
import type { AgentError } from '../errors.js';
import { InvalidInputError, QuotaExhaustedError } from '../errors.js';
import { retryableStatusError } from '../net/status-error.js';

/**
 * The provider refused agentq's own configuration (a wrong key, base URL or deployment),
 * not the task: every call would fail the same way, so the client opens the circuit and
 * holds calls instead of failing task after task.
 */
export class MisconfiguredProviderError extends Error {
  override readonly name = 'MisconfiguredProviderError';
}

const OpenAiErrorBody = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().nullish(),
    code: z.string().nullish(),
  }),
});

/** The `error` of an OpenAI-style error body, or the body's start as its message. */
function errorOf(body: string): { message: string; kind?: string } {
  try {
    const parsed = OpenAiErrorBody.safeParse(JSON.parse(body));
    if (parsed.success) {
      const { message, type, code } = parsed.data.error;
      return { message: message ?? body.slice(0, 200), kind: code ?? type ?? undefined };
    }
  } catch {
    // not JSON: show the text itself
  }
  return { message: body.slice(0, 200) };
}

/**
 * The meaning of a provider's non-2xx answer: quota gone (no retry), rate limit (wait),
 * 5xx (transient), 401/403 and a 404 that is not about the model (agentq's configuration),
 * other 4xx (the request itself).
 */
export function providerStatusError(
  status: number,
  retryAfter: string | null,
  body: string,
): AgentError | MisconfiguredProviderError {
  const { message, kind } = errorOf(body);
  if (kind === 'insufficient_quota') {
    return new QuotaExhaustedError(`LLM provider's quota is exhausted (${status}): ${message}`);
  }
  const retryable = retryableStatusError(status, retryAfter, `LLM provider (${message})`);
  if (retryable) return retryable;
  if (status === 401 || status === 403 || (status === 404 && kind !== 'model_not_found')) {
    return new MisconfiguredProviderError(
      `LLM provider refused the configuration (${status}: ${message}); check AGENTQ_LLM_BASE_URL and AGENTQ_LLM_API_KEY`,
    );
  }
  return new InvalidInputError(`LLM provider answered ${status}: ${message}`);
}
