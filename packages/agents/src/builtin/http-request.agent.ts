import { z } from 'zod';
import type { Agent } from '../agent.js';
import type { HttpResponse } from '../net/http-client.js';
import { retryableStatusError } from '../net/status-error.js';

export const HttpRequestInputSchema = z
  .object({
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
    /** http(s) URL whose host is on AGENTQ_HTTP_ALLOW. */
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    /** @defaultValue AGENTQ_HTTP_TIMEOUT_MS */
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict();
export type HttpRequestInput = z.output<typeof HttpRequestInputSchema>;

/**
 * One HTTP request to an allowed host. The answer (any status) is the result, except
 * 429/503-with-Retry-After (rate limited: retried later) and other 5xx (transient: retried).
 */
export const httpRequestAgent: Agent<HttpRequestInput, HttpResponse> = {
  name: 'http.request',
  version: '1.0.0',
  description:
    'Sends one HTTP request to an allowlisted host (no private addresses) and returns status, headers and body.',
  inputSchema: HttpRequestInputSchema,
  async run(input, ctx) {
    const response = await ctx.http.request(input, { signal: ctx.signal });
    const failure = retryableStatusError(
      response.status,
      response.headers['retry-after'],
      new URL(input.url).host,
    );
    if (failure) throw failure;
    return response;
  },
};
