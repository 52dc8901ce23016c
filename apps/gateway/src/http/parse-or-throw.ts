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
  const details = issueDetails(result.error.issues, root);
  const fields = details.map((detail) => detail.path).join(', ');
  throw new ApiError(ErrorCode.ValidationFailed, `invalid ${root}: ${fields}`, details);
}
