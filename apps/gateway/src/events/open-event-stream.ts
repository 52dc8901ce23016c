import type { FastifyReply } from 'fastify';
import type { Gauge } from 'prom-client';
import { Inbox } from './inbox.js';
import { StreamPacer, type StreamLimits, type StreamMetrics } from './stream-pacer.js';

/** Returns its unsubscribe function, at once or once the subscription is in place. */
type Subscribe<C> = (listener: (change: C) => void) => (() => void) | Promise<() => void>;

/**
 * Subscribes an inbox to the changes, then reads the first state, in that order so nothing
 * that happens in between is lost. If the read fails, the subscription ends and the error
 * goes up: nothing is streamed yet, so the error filter answers it as JSON (404, 503).
 */
export async function listenThenRead<C, V>(
  subscribe: Subscribe<C>,
  read: () => Promise<V>,
): Promise<{ inbox: Inbox<C>; unsubscribe: () => void; first: V }> {
  const inbox = new Inbox<C>();
  const unsubscribe = await subscribe((change) => inbox.push(change));
  try {
    return { inbox, unsubscribe, first: await read() };
  } catch (error) {
    unsubscribe();
    throw error;
  }
}

/** A Server-Sent Events stream on a response taken over from Fastify. */
export interface EventStream {
  send: (eventId: string | number, event: string, data: unknown) => void;
  /** Ends the response; at shutdown also its kept-alive connection, so the server can close. */
  end: (closing: boolean) => void;
}

/** What every stream is held to, and counted in. */
export interface StreamSettings extends StreamLimits {
  keepAliveMs: number;
  metrics: StreamMetrics & {
    /** Streams whose connection is held now (ended ones until their client lets go). */
    open: Gauge;
  };
}

/**
 * Takes the response over from Fastify and starts a Server-Sent Events stream on it, with
 * a keep-alive comment every `keepAliveMs`, written at the pace its client reads (see
 * StreamPacer); the inbox closes (and the keep-alive stops) when the stream ends either way.
 */
export function openEventStream<T>(
  reply: FastifyReply,
  inbox: Inbox<T>,
  settings: StreamSettings,
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const pacer = new StreamPacer(raw, settings, settings.metrics);
  const { open } = settings.metrics;
  open.inc();
  let held = true;
  const release = () => {
    if (held) open.dec();
    held = false;
  };
  if (raw.socket) raw.socket.once('close', release);
  else release();
  // A blocked client gets no keep-alive: it is not reading them.
  const keepAlive = setInterval(() => {
    if (!pacer.blocked) pacer.write(': keep-alive\n\n');
  }, settings.keepAliveMs);
  raw.on('close', () => {
    clearInterval(keepAlive);
    inbox.close();
  });
  return {
    send: (eventId, event, data) => {
      pacer.write(`id: ${eventId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end: (closing) => {
      pacer.end();
      if (closing) raw.socket?.end();
    },
  };
}
