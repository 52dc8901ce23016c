import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { AgentqError, ClientErrorCode } from './agentq-error.js';
import { abortableSleep } from './abortable-sleep.js';
import { backoffDelayMs, type RetryOptions } from './retry-policy.js';

/** One event, and the connection it came on: 0 for the first, counting up on each resume. */
export interface StreamedMessage {
  message: EventSourceMessage;
  connection: number;
}

export interface ResumableStreamOptions {
  /** Opens one connection, after the event id given (sent as Last-Event-ID). */
  open: (
    lastEventId: string | undefined,
    signal: AbortSignal,
  ) => Promise<ReadableStream<Uint8Array>>;
  /** Where to start: the id of the last event already seen. */
  lastEventId?: string | undefined;
  policy: RetryOptions;
  signal?: AbortSignal | undefined;
}

/**
 * The gateway's word that it is going away (restart, Redis lost): the stream ends without
 * its last event, and the client reconnects.
 */
const SHUTDOWN_EVENT = 'shutdown';

/**
 * Follows an event stream across dropped connections until the consumer stops (at the
 * stream's last event): each reconnect sends the id of the last event received, so the
 * gateway resumes right after it. Gives up after `policy.maxAttempts` connections in a row
 * that delivered nothing.
 */
export async function* resumableEventStream(
  options: ResumableStreamOptions,
): AsyncGenerator<StreamedMessage> {
  const { policy, signal } = options;
  let lastEventId = options.lastEventId;
  let fruitless = 0;
  for (let connection = 0; ; connection++) {
    const controller = new AbortController();
    const connectionSignal = signal
      ? AbortSignal.any([signal, controller.signal])
      : controller.signal;
    let dropped: unknown;
    try {
      const body = await options.open(lastEventId, connectionSignal);
      const reader = body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream())
        .getReader();
      try {
        for (;;) {
          const { done, value: message } = await reader.read();
          if (done) break;
          if (message.id !== undefined) lastEventId = message.id;
          if (message.event === SHUTDOWN_EVENT) break;
          fruitless = 0;
          yield { message, connection };
        }
      } catch (error) {
        signal?.throwIfAborted();
        dropped = error;
      }
    } finally {
      // Also when the consumer stops early: the connection is let go.
      controller.abort();
    }
    fruitless += 1;
    if (fruitless >= policy.maxAttempts) throw streamLost(dropped);
    await abortableSleep(backoffDelayMs(fruitless, policy), signal);
  }
}

function streamLost(cause: unknown): AgentqError {
  return new AgentqError({
    code: ClientErrorCode.NetworkError,
    message: 'the event stream kept ending before its last event',
    cause,
  });
}
