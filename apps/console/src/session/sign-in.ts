import type { AgentqClient } from '@agentq/client';
import { consoleClient } from '../api/console-client.js';

export interface SignedIn {
  client: AgentqClient;
  isAdmin: boolean;
}

/** Checks a key against the API (`GET /v1/me`), which also names its scopes. */
export async function signIn(apiKey: string): Promise<SignedIn> {
  const client = consoleClient(apiKey);
  const { scopes } = await client.me();
  return { client, isAdmin: scopes.includes('admin') };
}
