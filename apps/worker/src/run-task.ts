import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AgentRegistry } from '@agentq/agents';
import {
  CancelledError,
  InvalidInputError,
  TimeoutError,
  type AgentServices,
} from '@agentq/agents';
import { ErrorCode, TaskJobDataSchema, encodeTaskError } from '@agentq/contracts';
import { recordAttempt } from '@agentq/queue';
import { runAgentInThread } from './agent-thread.js';
import { AttemptContext } from './attempt-context.js';
import { redisCancelCheck, type CancelCheck } from './cancel-listener.js';
import { classifyError, type AttemptFailure } from './classify-error.js';
import { LostRuns } from './lost-runs.js';
import { TaskHolds } from './task-hold.js';
import type { TaskAbort } from './task-abort.js';
import { workflowRefOf } from './workflow-ref.js';

/** The failure of a run lost with its worker. */
export const STALLED_RUN_MESSAGE =
  'the worker running the task stopped (crashed, killed or blocked past its lock)';

export interface RunTaskOptions {
  registry: AgentRegistry;
  logger: Logger;
  /** Time limit of a task that sets none. */
  defaultTimeoutMs: number;
  /** Longest an attempt waits for rate limits or an open circuit (its time limit if less). */
  maxHoldMs: number;
  /** For attempt records (and cancel markers when no `cancels` is given). */
  redis: Redis;
  prefix: string;
  /** Whether a task was cancelled before it started; asks Redis each time when absent. */
  cancels?: CancelCheck;
  /** State, LLM and HTTP for the agents, scoped per task to its tenant. */
  services: AgentServices;
  /**
   * These agents run in a worker thread of their own, which imports them from the first of
   * `moduleUrls` (modules exporting `builtinAgents`, `agents` or a default) that has them.
   */
  isolation?: { agents: ReadonlySet<string>; moduleUrls: readonly string[] };
}

/** What a processor may ask of the worker running it. */
export interface PoolHooks {
  /**
   * Pauses the whole pool (every worker) for this long; only pools with a rate limit of
   * their own have it.
   */
  pausePool?: (ms: number) => Promise<void>;
}

/** Runs one attempt of a task; cancels, drains and its time limit go through `abort`. */
export type TaskProcessor = (
  job: Job,
  token: string | undefined,
  abort: TaskAbort,
) => Promise<unknown>;

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

/**
 * The BullMQ processor: re-validate, run the agent under its time limit and the job's
 * abort signal, and return its result (stored on the job by BullMQ). A failure becomes
 * what {@link classifyError} decides, with a `[CODE] message` reason; every failed attempt
 * is recorded for the dead-letter list.
 */
export function createTaskProcessor(options: RunTaskOptions): (hooks: PoolHooks) => TaskProcessor {
  const { registry, logger, defaultTimeoutMs, redis, prefix, isolation, services } = options;
  const holds = new TaskHolds(redis);
  const lostRuns = new LostRuns(redis);
  const cancels = options.cancels ?? redisCancelCheck(redis, prefix);
  const debug = logger.isLevelEnabled('debug');

  /** The task's logger; made only when there is something to log (most tasks log nothing here). */
  function taskLogger(job: Job): Logger {
    const step = workflowRefOf(job);
    return logger.child({
      taskId: job.id,
      agent: job.name,
      ...(step ? { workflowId: step.id, step: step.step } : {}),
    });
  }

  async function runAgent(job: Job, abort: TaskAbort): Promise<unknown> {
    const { data, agent, input } = parseJob(job, registry);
    const taskId = job.id ?? '';
    // A cancel published while the task was being fetched reached no one: check the marker.
    const cancelled = cancels.isRequested(taskId, job.timestamp);
    if (cancelled === true || (cancelled !== false && (await cancelled))) {
      throw new CancelledError('task cancelled before it started');
    }
    const timeoutMs = data.timeoutMs ?? defaultTimeoutMs;
    const ctx = new AttemptContext(
      taskId,
      job.attemptsMade + 1,
      job,
      abort,
      services.forTask({ tenant: data.tenant }),
    );
    const isolated = isolation?.agents.has(agent.name) ?? false;
    if (debug) taskLogger(job).debug({ attempt: ctx.attempt, isolated }, 'agent started');
    const timer = setTimeout(
      () => abort.abort(new TimeoutError(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      // Started inside the try: an agent that throws before returning a promise still
      // clears its timer.
      const run =
        isolated && isolation
          ? runAgentInThread({
              moduleUrls: isolation.moduleUrls,
              agentName: agent.name,
              input,
              ctx,
              llm: services.llmDefaults,
            })
          : agent.run(input, ctx);
      return await abort.race(run);
    } catch (error) {
      // An agent that fails with its own error after an abort still failed *because* of
      // the abort: report the abort reason (a cancel, a time limit, a drain).
      throw abort.reason ?? error;
    } finally {
      clearTimeout(timer);
    }
  }

  return (hooks) => async (job, token, abort) => {
    const startedAt = Date.now();
    if (debug) taskLogger(job).debug({ attempt: job.attemptsMade + 1 }, 'task started');
    const lost = await lostRuns.takeNew(job);
    if (lost > 0) {
      // The run its worker took down is this attempt: it fails (already recorded when the
      // stall was found), and the task runs again after the backoff, if attempts remain.
      taskLogger(job).warn({ attempt: job.attemptsMade + 1 }, 'task lost with its worker');
      throw new Error(
        encodeTaskError({
          code: ErrorCode.WorkerLost,
          message: STALLED_RUN_MESSAGE,
        }),
      );
    }
    try {
      return await runAgent(job, abort);
    } catch (error) {
      const log = taskLogger(job);
      const attempt = job.attemptsMade + 1;
      const decision = classifyError(error);
      switch (decision.action) {
        case 'hand-back':
          log.info({ attempt }, 'task handed back');
          // BullMQ moves a rate-limited job back to wait without using an attempt.
          throw Worker.RateLimitError();
        case 'rate-limit': {
          const { retryAfterMs } = decision;
          if (hooks.pausePool) {
            log.warn({ attempt, retryAfterMs }, 'pool rate-limited');
            await hooks.pausePool(retryAfterMs);
            throw Worker.RateLimitError();
          }
          // The provider's own limiter holds the other tasks that call it (see the LLM
          // client); the rest of the pool runs on.
          const { reason } = decision;
          const timeoutMs = (job.data as { timeoutMs?: number }).timeoutMs ?? defaultTimeoutMs;
          const hold = await holds.decide(
            job,
            retryAfterMs,
            Math.min(timeoutMs, options.maxHoldMs),
          );
          if (hold.action === 'delay') {
            log.warn({ attempt, retryAfterMs, reason }, 'task held by a rate limit; delayed');
            await job.moveToDelayed(hold.untilMs, token);
            throw new DelayedError();
          }
          const message = `held back ${hold.heldMs} ms (${reason}), more than the ${hold.limitMs} ms an attempt may wait: ${errorMessage(error)}`;
          return await failAttempt(
            job,
            { action: 'retry', code: decision.code },
            message,
            startedAt,
          );
        }
        case 'retry':
        case 'fail':
          return await failAttempt(job, decision, errorMessage(error), startedAt);
      }
    }
  };

  /** Records the failed attempt for people, then fails it as BullMQ should see it. */
  async function failAttempt(
    job: Job,
    decision: AttemptFailure,
    message: string,
    startedAt: number,
  ): Promise<never> {
    const log = taskLogger(job);
    const attempt = job.attemptsMade + 1;
    const reason = encodeTaskError({ code: decision.code, message });
    log.warn({ attempt, reason }, 'task attempt failed');
    const record = {
      attempt,
      code: decision.code,
      message,
      at: Date.now(),
      startedAt,
      ...(job.processedBy === undefined ? {} : { worker: job.processedBy }),
    };
    // The record is for people; failing to write it must not change the outcome.
    await recordAttempt(redis, prefix, job.queueName, job.id ?? '', record).catch((err: unknown) =>
      log.error({ err }, 'could not record the failed attempt'),
    );
    if (decision.action === 'fail') throw new UnrecoverableError(reason);
    // The next attempt may be held as long as this one could.
    await holds.reset(job).catch((err: unknown) => log.error({ err }, 'could not reset the hold'));
    throw new Error(reason);
  }
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
