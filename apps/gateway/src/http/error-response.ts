import { HttpException } from '@nestjs/common';
import { ErrorCode, type ErrorBody } from '@agentq/contracts';
import { ApiError } from './api-error.js';
import { errorCodeOfStatus, errorStatus } from './error-status.js';

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers?: Readonly<Record<string, string>>;
}

function body(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Fastify's own errors (bad JSON, body too large, wrong content type) carry a statusCode. */
function isFastifyClientError(error: unknown): error is Error & { statusCode: number } {
  return (
    error instanceof Error &&
    'statusCode' in error &&
    typeof error.statusCode === 'number' &&
    error.statusCode >= 400 &&
    error.statusCode < 500
  );
}

/**
 * ioredis's own words (plain Errors, known only by their message) for a command it did not
 * send or got no answer to: the connection is down (without an offline queue; a
 * pipeline or MULTI (addBulk) sent just after the drop says so too), or the command timed out
 * (the connection dropped under it, or Redis is overloaded).
 */
const REDIS_UNAVAILABLE_MESSAGES = new Set([
  'Command timed out',
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Connection is closed.',
]);

/**
 * A Cluster between two layouts: a slot's master gone and its replica not yet promoted
 * (Redis answers CLUSTERDOWN or TRYAGAIN; ioredis gives up redirecting, or cannot learn the
 * slots), or the cluster client not connected. A MOVED or ASK left to the caller (ioredis
 * does not follow one inside a pipeline whose other commands were answered, as a script's
 * with `WAIT` behind it) is a command the node did not run.
 */
const CLUSTER_IN_TRANSITION =
  /^(CLUSTERDOWN|TRYAGAIN|MOVED |ASK |Too many Cluster redirections|Failed to refresh slots cache|Cluster isn't ready|None of startup nodes is available)/;

export function isRedisUnavailable(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'MaxRetriesPerRequestError' ||
      REDIS_UNAVAILABLE_MESSAGES.has(error.message) ||
      CLUSTER_IN_TRANSITION.test(error.message))
  );
}

function httpExceptionMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'object' && 'message' in response) {
    const message = response.message;
    if (typeof message === 'string') return message;
  }
  return error.message;
}

/**
 * The one translation from anything thrown to an HTTP answer. Client mistakes keep their
 * message; anything unexpected is a bare 500 (the caller logs it) so no internals leak.
 */
export function toErrorResponse(error: unknown, redisReady = true): ErrorResponse {
  if (error instanceof ApiError) {
    return {
      status: errorStatus[error.code],
      body: body(error.code, error.message, error.details),
      headers: error.headers,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { status, body: body(errorCodeOfStatus(status), httpExceptionMessage(error)) };
  }
  if (isFastifyClientError(error)) {
    return {
      status: error.statusCode,
      body: body(errorCodeOfStatus(error.statusCode), error.message),
    };
  }
  // A command that failed because the connection dropped under it (ioredis says so only in
  // message text) is an outage, not a bug: judge by the connection's state instead.
  if (isRedisUnavailable(error) || !redisReady) {
    return { status: 503, body: body(ErrorCode.Unavailable, 'Redis is unavailable; retry later') };
  }
  return { status: 500, body: body(ErrorCode.Internal, 'internal error') };
}
