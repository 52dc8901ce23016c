import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DrainState } from './health/drain-state.js';

export interface GatewayShutdown {
  app: { get(type: typeof DrainState): DrainState; close(): Promise<void> };
  logger: Logger;
  /** How long to keep serving after /ready turns 503, before the listener closes. */
  delayMs: number;
  /** Closes what the app does not own (queues, then Redis). */
  closeRest: () => Promise<void>;
}

/**
 * Stops the gateway without dropping a request in a rollout: /ready turns 503 first, and the
 * gateway keeps serving for `delayMs` while endpoints and load balancers stop routing to it
 * (they learn it from the probe or the pod's deletion, never at the same instant). Only then
 * do open `?wait=` requests answer and event streams get `shutdown`, the listener stop
 * accepting and finish what is in flight, and the queues and Redis close.
 */
export async function shutdownGateway({
  app,
  logger,
  delayMs,
  closeRest,
}: GatewayShutdown): Promise<void> {
  app.get(DrainState).start();
  if (delayMs > 0) {
    logger.info({ delayMs }, 'draining: still serving until endpoints are updated');
    await delay(delayMs);
  }
  await app.close();
  await closeRest();
}
