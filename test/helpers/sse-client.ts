import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayFetch } from './http.js';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

const FINAL_EVENTS = new Set(['completed', 'failed', 'cancelled']);

/**
 * Reads one SSE connection of `GET /v1/tasks/:id/events`, calling `onEvent` for each event,
 * until the server ends it or the connection breaks (which rejects).
 */
export async function readEventStream(
  url: string,
  lastEventId: string | undefined,
  onEvent: (event: SseEvent) => void,
): Promise<void> {
  const response = await gatewayFetch(url, {
    headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
  });
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel();
    throw new Error(`event stream answered ${response.status}`);
  }
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = parseBlock(block);
      if (event) onEvent(event);
    }
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue; // keep-alive comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { id, event, data: JSON.parse(data.join('\n')) as unknown };
}

export interface FollowResult {
  final: SseEvent;
  /** Connections opened after the first one. */
  reconnects: number;
  /** Last-Event-ID sent on each reconnect. */
  resumedFrom: (string | undefined)[];
}

/**
 * Follows a task's event stream to its final event as a browser's EventSource would: when
 * the connection breaks or ends early, it reconnects after `retryMs` with Last-Event-ID set
 * to the last id seen, until the final event arrives or `deadlineMs` passes.
 */
export async function followToFinal(
  url: string,
  options: { retryMs?: number; deadlineMs?: number; onEvent?: (event: SseEvent) => void } = {},
): Promise<FollowResult> {
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const result: Omit<FollowResult, 'final'> = { reconnects: 0, resumedFrom: [] };
  let lastId: string | undefined;
  let final: SseEvent | undefined;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      result.reconnects++;
      result.resumedFrom.push(lastId);
    }
    try {
      await readEventStream(url, lastId, (event) => {
        if (event.id !== undefined) lastId = event.id;
        if (FINAL_EVENTS.has(event.event)) final = event;
        options.onEvent?.(event);
      });
    } catch {
      // Broken or refused while the gateway restarts: reconnect below.
    }
    if (final) return { ...result, final };
    if (Date.now() > deadline) throw new Error(`no final event from ${url} before the deadline`);
    await sleep(options.retryMs ?? 250);
  }
}
