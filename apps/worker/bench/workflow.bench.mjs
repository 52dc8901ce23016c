// Workflow overhead per step: the same echo steps run as a workflow (WorkflowEngine: start
// check, output recorded, dependents released in Lua, released steps enqueued) and as plain
// tasks, through the same agentq pool worker in one process, in one run. Two shapes:
// - parallel: N independent steps, against N tasks added in one addBulk;
// - chain: N steps each depending on the one before, against N tasks where each is added
//   when the one before completes (what a client without workflows would do, minus HTTP).
// Prints a table; with BENCH_OUTPUT=json it ends with one `BENCH_RESULT {...}` line for the
// suite (`pnpm bench` writes docs/BENCHMARKS.md).
// Run: pnpm bench:workflow (builds first). Env: BENCH_PARALLEL_STEPS (default 500),
// BENCH_CHAIN_STEPS (default 100), BENCH_RUNS (default 3), BENCH_CONCURRENCY (default 10).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { TaskSpecSchema, WorkflowSpecSchema } from '@agentq/contracts';
import {
  WorkflowEngine,
  createRedis,
  createTaskQueue,
  deleteKeysByPrefix,
  taskJobOptions,
} from '@agentq/queue';
import { withWorkflowSteps } from '../dist/workflow-steps.js';
import { benchPoolWorker } from './bench-pool-worker.mjs';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PARALLEL = Number(process.env.BENCH_PARALLEL_STEPS ?? 500);
const CHAIN = Number(process.env.BENCH_CHAIN_STEPS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);

const connection = createRedis(REDIS_URL, 'worker', 'bench-workflow');
const taskSpec = TaskSpecSchema.parse({ agent: 'echo' });
const taskData = { v: 1, agent: 'echo', input: {}, tenant: 'bench' };

/**
 * Starts an agentq pool worker (workflow wiring as in main.ts) on a fresh prefix, runs
 * `submit`, and returns the milliseconds from submit to the `count`-th completion.
 */
async function timed(count, submit) {
  const prefix = `agentq-bench-${randomUUID().slice(0, 8)}`;
  const queue = createTaskQueue('default', { connection, prefix });
  const engine = new WorkflowEngine({ redis: connection, prefix, queueFor: () => queue });
  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const { worker, close } = benchPoolWorker({
    connection,
    prefix,
    concurrency: CONCURRENCY,
    logger,
    wrap: (processor) => withWorkflowSteps(engine, processor),
  });
  let done = 0;
  let finish = () => undefined;
  const finished = new Promise((resolve) => (finish = resolve));
  const completed = new Set();
  const onCompleted = (id) => {
    completed.forEach((listener) => listener(id));
    if (++done === count) finish();
  };
  // Completions as a client sees them: the queue's event stream (its own connection).
  const eventsConnection = createRedis(REDIS_URL, 'worker', 'bench-workflow-events');
  const events = new QueueEvents('agentq-default', { connection: eventsConnection, prefix });
  events.on('completed', ({ jobId }) => onCompleted(jobId));
  await events.waitUntilReady();
  await worker.start();
  try {
    const began = performance.now();
    await submit({ queue, engine, onEachCompleted: (listener) => completed.add(listener) });
    await finished;
    return performance.now() - began;
  } finally {
    await close();
    await events.close();
    await eventsConnection.quit();
    await queue.obliterate({ force: true });
    await queue.close();
    await deleteKeysByPrefix(connection, prefix);
  }
}

const addTask = (queue) => queue.add('echo', taskData, taskJobOptions(taskSpec, randomUUID()));

const shapes = {
  parallel: {
    steps: PARALLEL,
    tasks: ({ queue }) =>
      queue.addBulk(
        Array.from({ length: PARALLEL }, () => ({
          name: 'echo',
          data: taskData,
          opts: taskJobOptions(taskSpec, randomUUID()),
        })),
      ),
    workflow: ({ engine }) =>
      engine.create(
        WorkflowSpecSchema.parse({
          steps: Array.from({ length: PARALLEL }, (_, i) => ({ id: `s${i}`, agent: 'echo' })),
        }),
        'bench',
      ),
  },
  chain: {
    steps: CHAIN,
    tasks: async ({ queue, onEachCompleted }) => {
      let added = 1;
      onEachCompleted(() => {
        if (added++ < CHAIN) void addTask(queue);
      });
      await addTask(queue);
    },
    workflow: ({ engine }) =>
      engine.create(
        WorkflowSpecSchema.parse({
          steps: Array.from({ length: CHAIN }, (_, i) => ({
            id: `s${i}`,
            agent: 'echo',
            dependsOn: i === 0 ? [] : [`s${i - 1}`],
          })),
        }),
        'bench',
      ),
  },
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const [shape, { steps, tasks, workflow }] of Object.entries(shapes)) {
  // One untimed round first: JIT and connections warm for both sides alike.
  await timed(steps, tasks);
  await timed(steps, workflow);
  const ms = { tasks: [], workflow: [] };
  // Interleaved, so drift on a noisy machine hits both sides alike.
  for (let run = 0; run < RUNS; run++) {
    ms.tasks.push(await timed(steps, tasks));
    ms.workflow.push(await timed(steps, workflow));
  }
  const taskMs = median(ms.tasks);
  const workflowMs = median(ms.workflow);
  const row = {
    shape,
    steps,
    tasksPerStepMs: (taskMs / steps).toFixed(2),
    workflowPerStepMs: (workflowMs / steps).toFixed(2),
    overheadPerStepMs: ((workflowMs - taskMs) / steps).toFixed(2),
    ratio: (workflowMs / taskMs).toFixed(2),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
await connection.quit();

const headers = [
  'shape',
  'steps',
  'tasks ms/step',
  'workflow ms/step',
  'overhead ms/step',
  'ratio',
];
const cells = rows.map((r) => [
  r.shape,
  r.steps,
  r.tasksPerStepMs,
  r.workflowPerStepMs,
  r.overheadPerStepMs,
  r.ratio,
]);
console.log(`\n| ${headers.join(' | ')} |\n| ${headers.map(() => '---').join(' | ')} |`);
for (const row of cells) console.log(`| ${row.join(' | ')} |`);
console.log(`median of ${RUNS} interleaved runs after one warm-up; node ${process.version}`);
if (process.env.BENCH_OUTPUT === 'json') {
  const caption = `Concurrency ${CONCURRENCY}, median of ${RUNS} interleaved runs after one warm-up round; ms per step from submit to the last completion.`;
  const notes = [
    "Where the overhead goes: per step the engine adds two script calls (start: check and mark running; completion: record the output, release dependents and return what is needed to enqueue them, in one round trip) and the released steps' `addBulk`. In a chain the release saves the client's round trip to learn that the step before completed.",
  ];
  console.log(
    `BENCH_RESULT ${JSON.stringify({ tables: [{ caption, headers, rows: cells }], notes })}`,
  );
}
