import type { ApiLimits } from '@agentq/contracts';

/** The longest `?wait=` the gateway holds an answer for. */
const MAX_WAIT_SECONDS: (typeof ApiLimits)['maxWaitSeconds'] = 60;

/**
 * Reads a view with `?wait=` (at most the API's limit per request) until `isFinal` holds
 * or `timeoutMs` has passed; answers the last view read.
 */
export async function longPoll<V>(
  read: (waitSeconds: number) => Promise<V>,
  isFinal: (view: V) => boolean,
  timeoutMs: number,
): Promise<V> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const remainingMs = Math.max(0, until - Date.now());
    const view = await read(Math.min(MAX_WAIT_SECONDS, remainingMs / 1000));
    if (isFinal(view) || Date.now() >= until) return view;
  }
}
