import { AgentqError } from '@agentq/client';
import { ConsoleApi } from '../api/console-api.js';

export interface SignedIn {
  api: ConsoleApi;
  isAdmin: boolean;
}

/**
 * Checks a key against the API: it must read the tenant's pools (`tasks:read`). Whether it is
 * an admin key is told by the scaler's status route, which checks the `admin` scope before
 * anything else: 403 means no, any other answer (a 503 without a scaler too) means yes. The
 * API has no route naming a key's scopes.
 */
export async function signIn(apiKey: string): Promise<SignedIn> {
  const api = new ConsoleApi(apiKey);
  await api.client.pools.list();
  const isAdmin = await api.scalerStatus().then(
    () => true,
    (error: unknown) => !(error instanceof AgentqError && error.status === 403),
  );
  return { api, isAdmin };
}
