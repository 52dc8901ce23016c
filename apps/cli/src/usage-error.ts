/** A mistake of the caller's (an argument, a file, the configuration): exit code 2, no stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
