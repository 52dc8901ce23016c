import { ErrorCode } from '@agentq/contracts';

/** The HTTP status of each error code; a missing code does not compile. */
export const errorStatus: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Expired]: 410,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.UnknownAgent]: 422,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.QuotaExceeded]: 429,
  [ErrorCode.BudgetExceeded]: 429,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.ScalerUnavailable]: 503,
  // Not 503: clients retry a 503 as "nothing happened", which here may create a duplicate.
  [ErrorCode.OutcomeUnknown]: 504,
  [ErrorCode.Internal]: 500,
  // Task outcomes never reach HTTP as errors, but keep the map total.
  [ErrorCode.InvalidInput]: 400,
  [ErrorCode.AgentFailed]: 500,
  [ErrorCode.Transient]: 503,
  [ErrorCode.ProviderRateLimited]: 503,
  [ErrorCode.ProviderQuotaExhausted]: 503,
  [ErrorCode.Timeout]: 504,
  [ErrorCode.WorkerLost]: 503,
  [ErrorCode.Cancelled]: 409,
};

/** The error code a plain HTTP status stands for (framework and Fastify errors). */
export function errorCodeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.ValidationFailed;
    case 401:
      return ErrorCode.Unauthenticated;
    case 403:
      return ErrorCode.Forbidden;
    case 404:
    case 405:
      return ErrorCode.NotFound;
    case 409:
      return ErrorCode.Conflict;
    case 413:
      return ErrorCode.PayloadTooLarge;
    case 415:
      return ErrorCode.UnsupportedMediaType;
    case 429:
      return ErrorCode.RateLimited;
    case 503:
      return ErrorCode.Unavailable;
    default:
      return status >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed;
  }
}
