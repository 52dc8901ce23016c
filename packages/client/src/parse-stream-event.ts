import type { EventSourceMessage } from 'eventsource-parser/stream';

/** An SSE message as the typed event `T` it stands for: agentq's data is always JSON. */
export function parseStreamEvent<T>(message: EventSourceMessage): T {
  const data = JSON.parse(message.data) as unknown;
  return { event: message.event, id: message.id, data } as T;
}
