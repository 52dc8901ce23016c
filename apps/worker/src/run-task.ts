import { UnrecoverableError, type Job, type Processor } from 'bullmq';
import type { Logger } from 'pino';
import type { AgentRegistry } from '@agentq/agents';
import { CancelledError, InvalidInputError, TimeoutError, type AgentContext } from '@agentq/agents';
import { TaskJobDataSchema, encodeTaskError } from '@agentq/contracts';
import { classifyError } from './classify-error.js';

export interface RunTaskOptions {
  registry: AgentRegistry;
  logger: Logger;
  /** Time limit of a task that sets none. */
  defaultTimeoutMs: number;
}

/** Rejects once the signal aborts, so an agent that ignores its signal cannot hold the slot. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/** Re-checks what the gateway checked: the job may come from an older gateway or by hand. */
function parseJob(job: Job, registry: AgentRegistry) {
  const data = TaskJobDataSchema.safeParse(job.data);
  if (!data.success) throw new InvalidInputError('task data does not match the task contract');
  const agent = registry.get(data.data.agent);
  if (!agent) throw new InvalidInputError(`this worker has no agent "${data.data.agent}"`);
  const input = agent.inputSchema.safeParse(data.data.input);
  if (!input.success) {
    const paths = input.error.issues.map((issue) => issue.path.join('.') || '(input)');
    throw new InvalidInputError(`invalid input: ${paths.join(', ')}`);
  }
  return { data: data.data, agent, input: input.data as unknown };
}

/** Turns a failed attempt into what BullMQ should do with it, with a `[CODE] message` reason. */
function toBullError(error: unknown): Error {
  const { action, code } = classifyError(error);
  const message = encodeTaskError({
    code,
    message: error instanceof Error ? error.message : String(error),
  });
  return action === 'fail' ? new UnrecoverableError(message) : new Error(message);
}

/**
 * The BullMQ processor: re-validate, run the agent under its time limit and the job's
 * cancel signal, and return its result (stored on the job by BullMQ).
 */
export function createTaskProcessor(options: RunTaskOptions): Processor {
  const { registry, logger, defaultTimeoutMs } = options;
  return async (job, _token, cancelSignal) => {
    const log = logger.child({ taskId: job.id, agent: job.name });
    try {
      const { data, agent, input } = parseJob(job, registry);
      const timeoutMs = data.timeoutMs ?? defaultTimeoutMs;
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new TimeoutError(`timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onCancel = () => controller.abort(new CancelledError('task cancelled'));
      cancelSignal?.addEventListener('abort', onCancel, { once: true });
      const ctx: AgentContext = {
        taskId: job.id ?? '',
        attempt: job.attemptsMade + 1,
        signal: controller.signal,
        progress: (value) => job.updateProgress(value),
        log: async (line) => {
          await job.log(line);
        },
      };
      try {
        log.debug({ attempt: ctx.attempt }, 'task started');
        return await Promise.race([agent.run(input, ctx), rejectOnAbort(controller.signal)]);
      } catch (error) {
        // An agent that fails with its own error after an abort still failed *because* of
        // the abort: report the abort reason.
        throw controller.signal.aborted ? controller.signal.reason : error;
      } finally {
        clearTimeout(timer);
        cancelSignal?.removeEventListener('abort', onCancel);
      }
    } catch (error) {
      const bullError = toBullError(error);
      log.warn({ attempt: job.attemptsMade + 1, reason: bullError.message }, 'task attempt failed');
      throw bullError;
    }
  };
}
