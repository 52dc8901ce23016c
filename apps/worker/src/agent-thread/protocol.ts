import type { ChatRequest, HoldReason, HttpRequest, LlmDefaults } from '@agentq/agents';

/*
 * What an agent's thread and the worker say to each other: both sides are type-checked
 * against these messages. Errors cross as their fields (structured clone drops an error's
 * `code`, which classifyError goes by).
 */

/** What the thread starts with (its `workerData`). */
export interface ThreadData {
  /** Plugin modules, as URLs; the built-in agents are the thread's own import. */
  pluginUrls: readonly string[];
  agentName: string;
  input: unknown;
  taskId: string;
  attempt: number;
  redelivered: boolean;
  tenant: string;
  /** What the thread's `ctx.llm` answers without a round trip. */
  llm: LlmDefaults;
}

export interface ThreadError {
  name?: string;
  message: string;
  code?: string;
  retryAfterMs?: number;
  reason?: HoldReason;
}

/** A call of the thread's `ctx.state`, `ctx.llm` or `ctx.http`, with what can be cloned of it. */
export type ServiceCall = { type: 'call'; id: number; stream: boolean } & (
  | { method: 'state.get' | 'state.del' | 'state.smembers'; args: [key: string] }
  | { method: 'state.set'; args: [key: string, value: unknown, options?: { ttlMs?: number }] }
  | { method: 'state.incr'; args: [key: string, by?: number] }
  | { method: 'state.sadd'; args: [key: string, ...members: string[]] }
  | { method: 'state.withLock'; args: [name: string, ttlMs: number, waitMs?: number] }
  | { method: 'llm.chat'; args: [request: ChatRequest] }
  | { method: 'http.request'; args: [request: HttpRequest] }
);

/** What the thread tells the worker. */
export type ThreadMessage =
  | { type: 'progress'; value: number | Record<string, unknown> }
  | { type: 'log'; line: string }
  | { type: 'result'; value: unknown }
  | { type: 'error'; error: ThreadError }
  | ServiceCall
  /** The agent aborted the signal it gave the call. */
  | { type: 'abort'; id: number }
  /** The section of a `withLock` call ended (its value or error stays in the thread). */
  | { type: 'section-done'; id: number; ok: boolean };

/** What the worker tells the thread about one of its calls. */
export type CallMessage =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: ThreadError }
  | { type: 'delta'; id: number; text: string }
  | { type: 'lock-held'; id: number; token: string }
  | { type: 'lock-lost'; id: number; error: ThreadError };

/** An error's fields that cross the boundary. */
export function fieldsOf(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, retryAfterMs, reason } = error as {
    code?: unknown;
    retryAfterMs?: unknown;
    reason?: unknown;
  };
  return {
    name: error.name,
    message: error.message,
    code: typeof code === 'string' ? code : undefined,
    retryAfterMs: typeof retryAfterMs === 'number' ? retryAfterMs : undefined,
    reason: typeof reason === 'string' ? (reason as HoldReason) : undefined,
  };
}
