import type { RedisClient } from '../connection.js';
import { subscribeChannel } from '../pubsub.js';
import { workflowChannel } from './workflow-keys.js';

/**
 * Calls `onChange(workflowId)` after every change of any workflow (the engine's scripts
 * publish it), so waiters and event streams read the workflow when, and only when, it
 * moved. `subscriber` must be a connection of its own; the returned function unsubscribes.
 */
export function onWorkflowChange(
  subscriber: RedisClient,
  prefix: string,
  onChange: (workflowId: string) => void,
): Promise<() => Promise<void>> {
  return subscribeChannel(subscriber, workflowChannel(prefix), onChange);
}
