import { parentPort, workerData } from 'node:worker_threads';
import {
  agentsExportedBy,
  builtinAgents,
  type AgentContext,
  type AnyAgent,
  type HeldLock,
} from '@agentq/agents';
import { fieldsOf, type CallMessage, type ThreadData, type ThreadMessage } from './protocol.js';

/*
 * An agent's thread (see run-in-thread.ts): imports the agent, runs it with a context whose
 * `state`, `llm` and `http` post each call to the worker and settle with its answer, and
 * posts the result or the error.
 */

if (!parentPort) throw new Error('thread-main runs as a worker thread');
const port = parentPort;
const data = workerData as ThreadData;
const post = (message: ThreadMessage) => port.postMessage(message);
const errorOf = (fields: { message: string }) => Object.assign(new Error(fields.message), fields);

interface PendingCall {
  settle: (ok: boolean, value: unknown) => void;
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
  /** A `withLock` section, run here while the worker holds the lock. */
  section?: (lock: HeldLock) => Promise<unknown>;
  /** Aborted when the worker says the lock was lost. */
  lost?: AbortController;
  sectionValue?: unknown;
  sectionError?: { error: unknown };
}

const calls = new Map<number, PendingCall>();
let lastId = 0;

type CallOptions = Pick<PendingCall, 'signal' | 'onDelta' | 'section'>;
type CallMethod = Extract<ThreadMessage, { type: 'call' }>;

/** A call made on the worker; the agent's signal stops it there, and it fails with its reason. */
function call(
  method: CallMethod['method'],
  args: unknown[],
  options: CallOptions = {},
): Promise<never> {
  const id = ++lastId;
  return new Promise<never>((resolve, reject) => {
    const onAbort = () => post({ type: 'abort', id });
    const settle = (ok: boolean, value: unknown) => {
      calls.delete(id);
      options.signal?.removeEventListener('abort', onAbort);
      if (ok) resolve(value as never);
      else reject(value instanceof Error ? value : errorOf({ message: String(value) }));
    };
    post({ type: 'call', id, method, args, stream: options.onDelta !== undefined } as CallMethod);
    calls.set(id, { settle, ...options });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function runSection(id: number, entry: PendingCall, token: string): void {
  // The worker holds (and renews) the lock while the section runs here.
  const lost = new AbortController();
  entry.lost = lost;
  const done = (ok: boolean) => post({ type: 'section-done', id, ok });
  Promise.resolve()
    .then(() => entry.section?.({ token, signal: lost.signal }))
    .then(
      (value) => {
        entry.sectionValue = value;
        done(true);
      },
      (error: unknown) => {
        entry.sectionError = { error };
        done(false);
      },
    );
}

port.on('message', (message: CallMessage) => {
  const entry = calls.get(message.id);
  if (!entry) return;
  switch (message.type) {
    case 'delta':
      entry.onDelta?.(message.text);
      return;
    case 'lock-held':
      runSection(message.id, entry, message.token);
      return;
    case 'lock-lost':
      entry.lost?.abort(errorOf(message.error));
      return;
    case 'reply':
      if (message.ok) entry.settle(true, entry.section ? entry.sectionValue : message.value);
      else if (entry.sectionError) entry.settle(false, entry.sectionError.error);
      else
        entry.settle(false, entry.signal?.aborted ? entry.signal.reason : errorOf(message.error));
      return;
  }
});

const { llm } = data;
// The worker ends the thread on abort; this signal only satisfies the context's shape.
const ctx: AgentContext = {
  taskId: data.taskId,
  attempt: data.attempt,
  redelivered: data.redelivered,
  tenant: data.tenant,
  signal: new AbortController().signal,
  progress: (value) => Promise.resolve(post({ type: 'progress', value })),
  log: (line) => Promise.resolve(post({ type: 'log', line })),
  state: {
    get: (key) => call('state.get', [key]),
    set: (key, value, options) => call('state.set', [key, value, options]),
    del: (key) => call('state.del', [key]),
    incr: (key, by) => call('state.incr', [key, by]),
    sadd: (key, ...members) => call('state.sadd', [key, ...members]),
    smembers: (key) => call('state.smembers', [key]),
    withLock: (name, ttlMs, section, options) =>
      call('state.withLock', [name, ttlMs, options?.waitMs], {
        signal: options?.signal,
        section,
      }),
  },
  llm: {
    defaultModel: llm.defaultModel,
    preset: (name) => (Object.hasOwn(llm.presets, name) ? llm.presets[name] : undefined),
    chat: (request, options) => call('llm.chat', [request], options),
  },
  http: { request: (request, options) => call('http.request', [request], options) },
};

/** The agent: a built-in one, else from the first plugin module that has it. */
async function findAgent(): Promise<AnyAgent> {
  const builtin = builtinAgents.find((agent) => agent.name === data.agentName);
  if (builtin) return builtin;
  for (const url of data.pluginUrls) {
    const module = (await import(url)) as Record<string, unknown>;
    const found = agentsExportedBy(module, url).find(
      (agent): agent is AnyAgent => (agent as AnyAgent | undefined)?.name === data.agentName,
    );
    if (found) return found;
  }
  throw new Error(`agent "${data.agentName}" is in none of ${data.pluginUrls.join(', ')}`);
}

findAgent()
  .then((agent) => agent.run(data.input, ctx))
  .then(
    (value: unknown) => post({ type: 'result', value }),
    (error: unknown) => post({ type: 'error', error: fieldsOf(error) }),
  );
