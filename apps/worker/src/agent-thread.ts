import { Worker } from 'node:worker_threads';
import {
  CancelledError,
  InvalidInputError,
  RateLimitedError,
  TimeoutError,
  TransientError,
  type AgentContext,
} from '@agentq/agents';
import { ErrorCode } from '@agentq/contracts';

/**
 * The thread's code, inline so it needs no build output of its own: it imports the module
 * that exports the agents (`builtinAgents` or `agents`), runs one with a context whose
 * progress and log lines go to the parent, and posts the result or the error's fields
 * (structured clone drops an error's `code`).
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { moduleUrl, agentName, input, taskId, attempt } = workerData;
// The parent ends the thread on abort; this signal only satisfies the context's shape.
const ctx = {
  taskId, attempt, signal: new AbortController().signal,
  progress: async (value) => parentPort.postMessage({ type: 'progress', value }),
  log: async (line) => parentPort.postMessage({ type: 'log', line }),
};
import(moduleUrl)
  .then((mod) => {
    const agent = [...(mod.builtinAgents ?? []), ...(mod.agents ?? [])].find((a) => a.name === agentName);
    if (!agent) throw new Error('agent "' + agentName + '" is not in ' + moduleUrl);
    return agent.run(input, ctx);
  })
  .then(
    (value) => parentPort.postMessage({ type: 'result', value }),
    (err) => parentPort.postMessage({
      type: 'error',
      error: { name: err?.name, message: String(err?.message ?? err), code: err?.code, retryAfterMs: err?.retryAfterMs },
    }),
  );
`;

interface ThreadError {
  name?: string;
  message: string;
  code?: string;
  retryAfterMs?: number;
}

type ThreadMessage =
  | { type: 'progress'; value: number | Record<string, unknown> }
  | { type: 'log'; line: string }
  | { type: 'result'; value: unknown }
  | { type: 'error'; error: ThreadError };

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
      return new RateLimitedError(error.message, error.retryAfterMs ?? 0);
    default:
      return Object.assign(new Error(error.message), { name: error.name ?? 'Error' });
  }
}

export interface ThreadRun {
  /** URL of the module exporting the agent (`builtinAgents` or `agents`). */
  moduleUrl: string;
  agentName: string;
  input: unknown;
  ctx: AgentContext;
}

/**
 * Runs one agent in a worker thread of its own, so an agent that calls process.exit, spins
 * the CPU or crashes cannot take the worker down or block its event loop (locks keep being
 * renewed). On abort (time limit, cancel, drain) the thread is terminated, which stops even
 * a busy loop.
 */
export function runAgentInThread(run: ThreadRun): Promise<unknown> {
  const { ctx } = run;
  return new Promise((resolve, reject) => {
    const thread = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        moduleUrl: run.moduleUrl,
        agentName: run.agentName,
        input: run.input,
        taskId: ctx.taskId,
        attempt: ctx.attempt,
      },
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      outcome();
      void thread.terminate();
    };
    const onAbort = () =>
      settle(() =>
        reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted')),
      );
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    thread.on('message', (message: ThreadMessage) => {
      switch (message.type) {
        // Best effort, as in-process: a lost progress update does not fail the task.
        case 'progress':
          ctx.progress(message.value).catch(() => undefined);
          return;
        case 'log':
          ctx.log(message.line).catch(() => undefined);
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
