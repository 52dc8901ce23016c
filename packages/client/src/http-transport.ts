import { AgentqError, ClientErrorCode } from './agentq-error.js';
import type { CallOptions, EventStreamOptions } from './call-options.js';
import { errorFromResponse } from './error-from-response.js';
import { resumableEventStream, type StreamedMessage } from './resumable-event-stream.js';
import type { RetryOptions } from './retry-policy.js';
import { withRetries } from './with-retries.js';

export type QueryValue = string | number | undefined;

/** One call to the gateway. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** From the API root, e.g. `/v1/tasks`; ids already encoded. */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  /** Sent as JSON. */
  body?: unknown;
  /** Whether a second delivery cannot do the work twice: see RetryContext. */
  idempotent: boolean;
  idempotencyKey?: string;
  signal?: AbortSignal | undefined;
  /** `?wait=` time the gateway may hold the answer, added to the deadline. */
  holdMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  retry: RetryOptions;
}

/** Sends calls to the gateway with the key, the retry rules and the error mapping. */
export class HttpTransport {
  private readonly baseUrl: string;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** Sends the call (retrying what is safe) and reads its JSON answer. */
  json<T>(request: ApiRequest): Promise<T> {
    return withRetries(async (signal) => {
      const response = await this.fetchOnce(request, signal, {});
      if (!response.ok) throw await errorFromResponse(response);
      const text = await response.text();
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new AgentqError({
          code: ClientErrorCode.UnexpectedResponse,
          message: `HTTP ${response.status} with a body that is not JSON`,
          status: response.status,
          requestId: response.headers.get('x-request-id') ?? undefined,
          cause: error,
        });
      }
    }, this.retryContext(request));
  }

  /** A read: always safe to retry. */
  get<T>(path: string, options: CallOptions, query?: ApiRequest['query']): Promise<T> {
    return this.json({ method: 'GET', path, query, idempotent: true, signal: options.signal });
  }

  /** The event stream at `path`, resumed with Last-Event-ID whenever its connection drops. */
  events(path: string, options: EventStreamOptions): AsyncGenerator<StreamedMessage> {
    return resumableEventStream({
      open: (lastEventId, signal) =>
        this.openStream({ method: 'GET', path, idempotent: true }, lastEventId, signal),
      lastEventId: options.lastEventId,
      policy: this.options.retry,
      signal: options.signal,
    });
  }

  /**
   * Opens one connection of an event stream: retried like any read until its answer
   * starts, then the body is read for as long as the stream lasts, past the call's deadline,
   * until `signal` aborts.
   */
  private openStream(
    request: ApiRequest,
    lastEventId: string | undefined,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    return withRetries(
      async (attemptSignal) => {
        const response = await whileWaitingForHeaders(attemptSignal, signal, (fetchSignal) =>
          this.fetchOnce(request, fetchSignal, headers),
        );
        if (!response.ok) throw await errorFromResponse(response);
        if (!response.body) {
          throw new AgentqError({
            code: ClientErrorCode.UnexpectedResponse,
            message: 'an event stream without a body',
            status: response.status,
          });
        }
        return response.body;
      },
      { ...this.retryContext(request), signal },
    );
  }

  private retryContext(request: ApiRequest) {
    return {
      policy: this.options.retry,
      idempotent: request.idempotent,
      signal: request.signal,
      holdMs: request.holdMs,
    };
  }

  private fetchOnce(
    request: ApiRequest,
    signal: AbortSignal,
    extraHeaders: Record<string, string>,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.options.apiKey}`,
      ...extraHeaders,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    return this.options.fetch(this.url(request), {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal,
    });
  }

  private url({ path, query = {} }: ApiRequest): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search === '' ? '' : `?${search}`}`;
  }
}

/**
 * Runs a fetch whose answer must start before `attemptSignal` aborts (the deadline), but
 * whose body then lives on until `streamSignal` aborts.
 */
async function whileWaitingForHeaders(
  attemptSignal: AbortSignal,
  streamSignal: AbortSignal,
  start: (signal: AbortSignal) => Promise<Response>,
): Promise<Response> {
  attemptSignal.throwIfAborted();
  streamSignal.throwIfAborted();
  const controller = new AbortController();
  const abort = (source: AbortSignal) => () => controller.abort(source.reason);
  const onAttemptAbort = abort(attemptSignal);
  attemptSignal.addEventListener('abort', onAttemptAbort, { once: true });
  streamSignal.addEventListener('abort', abort(streamSignal), { once: true });
  try {
    return await start(controller.signal);
  } finally {
    attemptSignal.removeEventListener('abort', onAttemptAbort);
  }
}
