import type { RedisClient } from './connection.js';

/**
 * Calls `onMessage(message)` for every message on one channel. `subscriber` must be a
 * connection of its own (it enters subscriber mode); the returned function unsubscribes.
 */
export async function subscribeChannel(
  subscriber: RedisClient,
  channel: string,
  onMessage: (message: string) => void,
): Promise<() => Promise<void>> {
  const listener = (from: string, message: string) => {
    if (from === channel) onMessage(message);
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel);
  };
}
