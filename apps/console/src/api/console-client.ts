import { AgentqClient } from '@agentq/client';

/**
 * A console UI should say what failed soon rather than retry for a minute: two tries, and a
 * call gives up after 15 s.
 */
const CONSOLE_RETRY = { maxAttempts: 2, deadlineMs: 15_000 };

/** The client every page calls the public API with: the page's own origin, the user's key. */
export function consoleClient(apiKey: string, baseUrl = window.location.origin): AgentqClient {
  return new AgentqClient({ baseUrl, apiKey, retry: CONSOLE_RETRY });
}
