import type { ApiLimits } from '@agentq/contracts';
import { DEFAULT_WAIT_MS, type WaitOptions } from './call-options.js';
import type { HttpTransport } from './http-transport.js';

/** The longest `?wait=` the gateway holds an answer for. */
const MAX_WAIT_SECONDS: (typeof ApiLimits)['maxWaitSeconds'] = 60;

/**
 * Reads the view at `path` with `?wait=` (at most the API's limit per request) until
 * `isFinal` holds or the wait's timeout has passed; answers the last view read.
 */
export async function waitForView<V>(
  http: HttpTransport,
  path: string,
  isFinal: (view: V) => boolean,
  options: WaitOptions,
): Promise<V> {
  const until = Date.now() + (options.timeoutMs ?? DEFAULT_WAIT_MS);
  for (;;) {
    const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.max(0, until - Date.now()) / 1000);
    const view = await http.json<V>({
      method: 'GET',
      path,
      query: { wait: waitSeconds },
      idempotent: true,
      signal: options.signal,
      holdMs: waitSeconds * 1000,
    });
    if (isFinal(view) || Date.now() >= until) return view;
  }
}
