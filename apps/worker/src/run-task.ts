import { context } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import type { RedisClient } from '@agentq/queue';
import type { Logger } from 'pino';
import type { AgentRegistry } from '@agentq/agents';
import {
  CancelledError,
  InvalidInputError,
  TimeoutError,
  type AgentServices,
} from '@agentq/agents';
import { TaskJobDataSchema } from '@agentq/contracts';
import { checkedOutput } from './agent-output.js';
import { runAgentInThread } from './agent-thread/run-in-thread.js';
import { AttemptContext } from './attempt-context.js';
import { AttemptSpan } from './attempt-span.js';
import { redisCancelCheck, type CancelCheck } from './cancel-listener.js';
import { LostRuns } from './lost-runs.js';
import type { FailureSettler, PoolHooks } from './settle-failure.js';
import type { TaskAbort } from './task-abort.js';
import { workflowRefOf } from './workflow-ref.js';

export interface RunTaskOptions {
  registry: AgentRegistry;
  logger: Logger;
  /** Time limit of a task that sets none. */
  defaultTimeoutMs: number;
  /** Where a failed attempt is settled (recorded, retried, failed, held). */
  failures: FailureSettler;
  /** For lost-run counts (and cancel markers when no `cancels` is given). */
  redis: RedisClient;
  prefix: string;
  /** Whether a task was cancelled before it started; asks Redis each time when absent. */
  cancels?: CancelCheck;
  /** State, LLM and HTTP for the agents, scoped per task to its tenant. */
  services: AgentServices;
  /**
   * These agents run in a worker thread of their own, which finds them among the built-in
   * agents, then in the first of the plugin modules `pluginUrls` that exports them.
   */
  isolation?: { agents: ReadonlySet<string>; pluginUrls: readonly string[] };
}

/**
 * Runs one attempt of a task; cancels, drains and its time limit go through `abort`, and
 * `hooks` are what it may ask of the pool worker running it.
 */
export type TaskProcessor = (
  job: Job,
  token: string | undefined,
  abort: TaskAbort,
  hooks: PoolHooks,
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
 * abort signal, and return its result (stored on the job by BullMQ). A failure is settled
 * by the {@link FailureSettler}.
 */
export function createTaskProcessor(options: RunTaskOptions): TaskProcessor {
  const { registry, logger, defaultTimeoutMs, redis, prefix, isolation, services, failures } =
    options;
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
              pluginUrls: isolation.pluginUrls,
              agentName: agent.name,
              input,
              ctx,
              llm: services.llmDefaults,
            })
          : agent.run(input, ctx);
      return checkedOutput(registry, agent, await abort.race(run));
    } catch (error) {
      // An agent that fails with its own error after an abort still failed *because* of
      // the abort: report the abort reason (a cancel, a time limit, a drain).
      throw abort.reason ?? error;
    } finally {
      clearTimeout(timer);
    }
  }

  return async (job, token, abort, hooks) => {
    const startedAt = Date.now();
    if (debug) taskLogger(job).debug({ attempt: job.attemptsMade + 1 }, 'task started');
    if ((await lostRuns.takeNew(job)) > 0) failures.runLost(job);
    const span = new AttemptSpan(job);
    try {
      const result = await context.with(span.context, () => runAgent(job, abort));
      span.succeeded();
      return result;
    } catch (error) {
      span.failed(error);
      return await failures.attemptFailed(job, token, error, hooks, startedAt);
    }
  };
}
