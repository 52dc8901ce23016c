import { Worker } from 'node:worker_threads';
import {
  BudgetExceededError,
  CancelledError,
  InvalidInputError,
  QuotaExhaustedError,
  RateLimitedError,
  TimeoutError,
  TransientError,
  type AgentContext,
  type HeldLock,
  type LlmDefaults,
} from '@agentq/agents';
import { ErrorCode } from '@agentq/contracts';
import {
  fieldsOf,
  type CallMessage,
  type ServiceCall,
  type ThreadData,
  type ThreadError,
  type ThreadMessage,
} from './protocol.js';

/**
 * The thread's code, as the worker's build emits it: the same path from `src/` (tests) and
 * from `dist/`, so tests run the built thread (the worker's test task builds it first).
 */
const THREAD_MAIN = new URL('../../dist/agent-thread/thread-main.js', import.meta.url);

/** The agent error the thread reported, as its class again, so classifyError sees it. */
function revive(error: ThreadError): Error {
  switch (error.code ?? '') {
    case ErrorCode.InvalidInput:
      return new InvalidInputError(error.message);
    case ErrorCode.Transient:
      return new TransientError(error.message);
    case ErrorCode.Timeout:
      return new TimeoutError(error.message);
    case ErrorCode.Cancelled:
      return new CancelledError(error.message);
    case ErrorCode.ProviderRateLimited:
      return new RateLimitedError(error.message, error.retryAfterMs ?? 0, {
        reason: error.reason ?? 'agent',
      });
    case ErrorCode.ProviderQuotaExhausted:
      return new QuotaExhaustedError(error.message);
    case ErrorCode.BudgetExceeded:
      return new BudgetExceededError(error.message);
    default:
      return Object.assign(new Error(error.message), { name: error.name ?? 'Error' });
  }
}

/** One call the parent makes for the thread. */
interface CallInFlight {
  /** Aborted when the agent aborts the call's signal or the thread ends. */
  controller: AbortController;
  /** Set while the thread runs a `withLock` section: ends the parent's side of it. */
  endSection?: (ok: boolean) => void;
}

/**
 * Serves the thread's `ctx.state`, `ctx.llm` and `ctx.http` with the task's own services.
 *
 * Proxying, rather than building services inside the thread, because:
 * - the tenant is the task's, fixed here: code in the thread cannot pick another one;
 * - the process keeps one Redis connection, one HTTP pool and one LLM circuit breaker, and
 *   the LLM token and cost metrics land in the registry /metrics serves (a thread's own
 *   would start with a closed breaker and count where nobody reads);
 * - a thread holds nothing to close: when it ends, its calls are aborted here and the locks
 *   it held are released, however it ended (result, crash, process.exit, terminate).
 * The price is one message round trip per call, small next to the Redis or network one.
 */
class ThreadServices {
  private readonly calls = new Map<number, CallInFlight>();
  private closed = false;

  constructor(
    private readonly thread: Worker,
    private readonly ctx: AgentContext,
  ) {}

  call(message: ServiceCall): void {
    if (this.closed) return;
    const { id } = message;
    const entry: CallInFlight = { controller: new AbortController() };
    this.calls.set(id, entry);
    void this.invoke(message, entry)
      .then((value) => this.post({ type: 'reply', id, ok: true, value }))
      .catch((error: unknown) =>
        this.post({ type: 'reply', id, ok: false, error: fieldsOf(error) }),
      )
      .finally(() => this.calls.delete(id));
  }

  abort(id: number): void {
    this.calls.get(id)?.controller.abort(new CancelledError('aborted by the agent'));
  }

  sectionDone(id: number, ok: boolean): void {
    this.calls.get(id)?.endSection?.(ok);
  }

  /** The thread ended: stop what it left running (a lock section ends, so it is released). */
  close(): void {
    this.closed = true;
    for (const entry of this.calls.values()) {
      entry.controller.abort(new CancelledError("the agent's thread ended"));
      entry.endSection?.(false);
    }
  }

  private async invoke(message: ServiceCall, entry: CallInFlight): Promise<unknown> {
    const { state, llm, http } = this.ctx;
    const { signal } = entry.controller;
    switch (message.method) {
      case 'state.get':
        return state.get(...message.args);
      case 'state.set':
        return state.set(...message.args);
      case 'state.del':
        return state.del(...message.args);
      case 'state.incr':
        return state.incr(...message.args);
      case 'state.sadd':
        return state.sadd(...message.args);
      case 'state.smembers':
        return state.smembers(...message.args);
      case 'state.withLock': {
        const [name, ttlMs, waitMs] = message.args;
        const section = (lock: HeldLock) => this.section(message.id, lock, entry);
        return state.withLock(name, ttlMs, section, { waitMs, signal });
      }
      case 'llm.chat': {
        const onDelta = message.stream
          ? (text: string) => this.post({ type: 'delta', id: message.id, text })
          : undefined;
        return llm.chat(message.args[0], { signal, onDelta });
      }
      case 'http.request':
        return http.request(message.args[0], { signal });
      default:
        throw new Error(
          `the agent's context has no ${String((message as { method: unknown }).method)}`,
        );
    }
  }

  /** Holds the lock while the thread runs the section; tells it if the lock is lost. */
  private section(id: number, lock: HeldLock, entry: CallInFlight): Promise<void> {
    // A thread that ended while the lock was being taken never gets here: close() aborts the
    // call's signal, and withLock then runs no section and releases the lock.
    const onLost = () => this.post({ type: 'lock-lost', id, error: fieldsOf(lock.signal.reason) });
    lock.signal.addEventListener('abort', onLost, { once: true });
    return new Promise<void>((resolve, reject) => {
      entry.endSection = (ok) => {
        entry.endSection = undefined;
        lock.signal.removeEventListener('abort', onLost);
        // The section's own error stays in the thread, which rethrows it.
        if (ok) resolve();
        else reject(new Error('the lock section failed'));
      };
      this.post({ type: 'lock-held', id, token: lock.token });
    });
  }

  private post(message: CallMessage): void {
    if (!this.closed) this.thread.postMessage(message);
  }
}

export interface ThreadRun {
  /** Plugin modules (URLs) the thread looks for the agent in, after the built-in agents. */
  pluginUrls: readonly string[];
  agentName: string;
  input: unknown;
  /** The task's context: the thread's progress, log lines and service calls go through it. */
  ctx: AgentContext;
  /** What the thread's `ctx.llm` answers without a round trip. */
  llm: LlmDefaults;
}

/**
 * Runs one agent in a worker thread of its own, so an agent that calls process.exit, spins
 * the CPU or crashes cannot take the worker down or block its event loop (locks keep being
 * renewed). On abort (time limit, cancel, drain) the thread is terminated, which stops even
 * a busy loop. A thread per task: it starts in about a millisecond, holds no connection of
 * its own, and no module state outlives the task (one tenant's task never sees another's).
 */
export function runAgentInThread(run: ThreadRun): Promise<unknown> {
  const { ctx } = run;
  // Aborted already (a cancel while the task started): the listener below would never fire.
  if (ctx.signal.aborted) {
    return Promise.reject(
      ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted'),
    );
  }
  return new Promise((resolve, reject) => {
    const workerData: ThreadData = {
      pluginUrls: run.pluginUrls,
      agentName: run.agentName,
      input: run.input,
      taskId: ctx.taskId,
      attempt: ctx.attempt,
      redelivered: ctx.redelivered,
      tenant: ctx.tenant,
      llm: run.llm,
    };
    const thread = new Worker(THREAD_MAIN, { workerData });
    const services = new ThreadServices(thread, ctx);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      services.close();
      outcome();
      void thread.terminate();
    };
    const onAbort = () =>
      settle(() =>
        reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted')),
      );
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    thread.on('message', (message: ThreadMessage) => {
      // Sent after the agent's result (a call it did not await): the task is over.
      if (settled) return;
      switch (message.type) {
        // Best effort, as in-process: a lost progress update does not fail the task.
        case 'progress':
          ctx.progress(message.value).catch(() => undefined);
          return;
        case 'log':
          ctx.log(message.line).catch(() => undefined);
          return;
        case 'call':
          services.call(message);
          return;
        case 'abort':
          services.abort(message.id);
          return;
        case 'section-done':
          services.sectionDone(message.id, message.ok);
          return;
        case 'result':
          settle(() => resolve(message.value));
          return;
        case 'error':
          settle(() => reject(revive(message.error)));
          return;
      }
    });
    thread.on('error', (err) => settle(() => reject(err)));
    thread.on('exit', (code) =>
      settle(() =>
        reject(new Error(`the agent's thread exited (code ${code}) before the agent finished`)),
      ),
    );
  });
}
