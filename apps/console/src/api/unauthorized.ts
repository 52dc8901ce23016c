import { AgentqError } from '@agentq/client';

/** The message the sign-in page shows after the API refused the key mid-session. */
export const KEY_REFUSED = 'Your API key is no longer accepted (401). Sign in again.';

/** Whether the API refused the key itself (not just this call). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof AgentqError && error.status === 401;
}
