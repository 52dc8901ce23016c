import type { z } from 'zod';
import { ErrorCode, type ErrorDetail } from '@agentq/contracts';
import { ApiError } from './api-error.js';

/** zod issues as error details, each path prefixed with where the value came from. */
export function issueDetails(issues: readonly z.core.$ZodIssue[], root: string): ErrorDetail[] {
  return issues.map((issue) => ({
    path: [root, ...issue.path.map(String)].filter((part) => part !== '').join('.'),
    message: issue.message,
  }));
}

/** Parses a request part or throws a 400 naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  root: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  if (value === undefined && root === 'body') {
    throw new ApiError(ErrorCode.ValidationFailed, 'this route needs a JSON body', [
      { path: 'body', message: 'required' },
    ]);
  }
  const details = issueDetails(result.error.issues, root);
  const fields = details.map((detail) => detail.path).join(', ');
  throw new ApiError(ErrorCode.ValidationFailed, `invalid ${root}: ${fields}`, details);
}

/**
 * Parses a query string's parameters, none of which takes a list: a repeated one
 * (`?wait=1&wait=2`) is refused naming it, rather than failing as a strange value.
 */
export function parseQueryOrThrow<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const repeated = Object.entries((query ?? {}) as Record<string, unknown>)
    .filter(([, value]) => Array.isArray(value))
    .map(([name]) => name);
  if (repeated.length > 0) {
    throw new ApiError(
      ErrorCode.ValidationFailed,
      `query parameter ${repeated.join(', ')} given more than once`,
      repeated.map((name) => ({ path: `query.${name}`, message: 'give this parameter once' })),
    );
  }
  return parseOrThrow(schema, query, 'query');
}
