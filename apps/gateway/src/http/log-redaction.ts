import type { LoggerOptions } from 'pino';

/**
 * Paths censored in every log line, should a request or its headers ever be logged: API
 * keys travel in these headers. (The gateway logs no headers; this is the second lock.)
 */
export const LOG_REDACTION: NonNullable<LoggerOptions['redact']> = {
  paths: [
    'req.headers.authorization',
    'req.headers["x-api-key"]',
    'headers.authorization',
    'headers["x-api-key"]',
    'authorization',
    '["x-api-key"]',
  ],
  censor: '[redacted]',
};
