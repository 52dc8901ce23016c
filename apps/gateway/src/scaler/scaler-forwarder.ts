import { Inject, Injectable } from '@nestjs/common';
import { ErrorBodySchema, ErrorCode } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { errorStatus } from '../http/error-status.js';
import { ApiError } from '../http/api-error.js';
import { GATEWAY_CONFIG } from '../tokens.js';

/** How long the scaler has to answer; it reads Redis at most once per request. */
const SCALER_TIMEOUT_MS = 3_000;

export interface ScalerRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** The scaler's own path, with its query. */
  path: string;
  body?: unknown;
  /** The caller's credentials, which the scaler checks again for writes. */
  headers: Record<string, string>;
}

/**
 * Forwards an admin's request to the scaler's HTTP API (`AGENTQ_SCALER_URL`), so that the
 * console and the CLI reach it on the gateway's origin, with the gateway's auth. The scaler's
 * own errors are answered as they are (they share the error body and codes); no scaler, no
 * answer in time, or a fault of its own answer 503 `SCALER_UNAVAILABLE`.
 */
@Injectable()
export class ScalerForwarder {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  async forward<T>(request: ScalerRequest): Promise<T> {
    const base = this.config.scalerUrl;
    if (base === undefined) {
      throw new ApiError(
        ErrorCode.ScalerUnavailable,
        'no scaler is configured: set AGENTQ_SCALER_URL on the gateway',
      );
    }
    const url = new URL(request.path, base);
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          ...request.headers,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(SCALER_TIMEOUT_MS),
      });
      body = await response.json();
    } catch (error) {
      throw new ApiError(
        ErrorCode.ScalerUnavailable,
        `the scaler at ${url.origin} did not answer: ${(error as Error).message}`,
      );
    }
    if (response.ok) return body as T;
    throw scalerError(response.status, body);
  }
}

/** The scaler's refusal as the gateway's own error; a fault of the scaler's as a 503. */
function scalerError(status: number, body: unknown): ApiError {
  const parsed = ErrorBodySchema.safeParse(body);
  if (status < 500 && parsed.success) {
    const { code, message, details } = parsed.data.error;
    const known = (Object.values(ErrorCode) as string[]).includes(code);
    if (known && errorStatus[code as ErrorCode] === status) {
      return new ApiError(code as ErrorCode, message, details);
    }
  }
  const message = parsed.success ? parsed.data.error.message : `status ${status}`;
  return new ApiError(ErrorCode.ScalerUnavailable, `the scaler failed: ${message}`);
}
