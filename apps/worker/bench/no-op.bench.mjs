// No-op throughput: agentq's pool worker (echo agent, full processor: validation, cancel
// check, time limit, metrics, logs) against a bare BullMQ Worker, at concurrency 1/10/100,
// with the same job options and retention. Prints a table; with BENCH_OUTPUT=json it ends
// with one `BENCH_RESULT {...}` line for the suite (`pnpm bench` writes docs/BENCHMARKS.md).
// Run: pnpm bench:worker (builds first). Needs Redis at REDIS_URL; uses its own key prefix.
// BENCH_NOOP_RUNS and BENCH_NOOP_SCALE (a factor on the job counts) size it.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { TaskSpecSchema } from '@agentq/contracts';
import { createRedis, deleteKeysByPrefix, taskJobOptions } from '@agentq/queue';
import { startTracing } from '@agentq/telemetry';
import { CancelListener } from '../dist/cancel-listener.js';
import { benchPoolWorker } from './bench-pool-worker.mjs';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Five: runs on a shared 2-core machine swing by ±10%, so a median of three moves a lot.
const RUNS = Number(process.env.BENCH_NOOP_RUNS ?? 5);
const SCALE = Number(process.env.BENCH_NOOP_SCALE ?? 1);
// About 2 s of work per run at each concurrency, so that start-up (connections, the first
// fetch) is a small part of the time measured.
const CASES = [
  { concurrency: 1, jobs: 10000 },
  { concurrency: 10, jobs: 30000 },
  { concurrency: 100, jobs: 30000 },
].map((c) => ({ ...c, jobs: Math.max(100, Math.round(c.jobs * SCALE)) }));

// As main.ts does: with OTEL_* set (the suite's tracing section), attempts are traced.
const tracing = startTracing('agentq-worker-bench', process.env);
const connection = createRedis(REDIS_URL, 'worker', 'bench-worker');

// One key prefix for the whole run (each measurement empties it), and one cancel listener on
// it, as main.ts makes: it loads the cancels on record, so no task needs a Redis lookup.
const PREFIX = `agentq-bench-${randomUUID().slice(0, 8)}`;
const cancelSubscriber = createRedis(REDIS_URL, 'worker', 'bench-worker-cancel');
const cancels = new CancelListener({
  subscriber: cancelSubscriber,
  redis: connection,
  prefix: PREFIX,
  targets: [],
  logger: pino({ level: 'silent' }),
});
await cancels.start();

/** Adds the jobs (100 in flight) with the options the gateway uses. */
async function fill(queue, count) {
  const spec = TaskSpecSchema.parse({ agent: 'echo' });
  const data = { v: 1, agent: 'echo', input: {}, tenant: 'bench' };
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => {
      const id = randomUUID();
      return { name: 'echo', data, opts: taskJobOptions(spec, id) };
    });
    await queue.addBulk(batch);
  }
}

/**
 * Jobs per second from `start()` to the `count`-th call of the notifier that `start`
 * receives; `stop()` runs after.
 */
async function rate(count, start, stop) {
  let done = 0;
  let finish = () => undefined;
  const finished = new Promise((resolve) => (finish = resolve));
  const began = performance.now();
  await start(() => {
    if (++done === count) finish();
  });
  await finished;
  const seconds = (performance.now() - began) / 1000;
  await stop();
  return count / seconds;
}

function bare(prefix, concurrency, count) {
  const worker = new Worker('agentq-default', async () => undefined, {
    connection,
    prefix,
    concurrency,
    autorun: false,
  });
  const start = (notify) => {
    worker.on('completed', notify);
    void worker.run();
  };
  return rate(count, start, () => worker.close());
}

function agentq(prefix, concurrency, count) {
  let notify = () => undefined;
  // Real log lines (one per completion), counted instead of printed.
  const sink = new Writable({
    decodeStrings: false,
    // pino writes each line with one call.
    write(line, _encoding, done) {
      if (line.includes('"task completed"')) notify();
      // A failing processor would leave the run waiting forever: stop loudly instead.
      else if (line.includes('"task attempt failed"')) {
        console.error(`bench: a no-op task failed: ${line}`);
        process.exit(1);
      }
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const { worker, close } = benchPoolWorker({ connection, prefix, concurrency, logger, cancels });
  const start = (callback) => {
    notify = callback;
    return worker.start();
  };
  return rate(count, start, close);
}

async function measure(run, concurrency, count) {
  const prefix = PREFIX;
  const queue = new Queue('agentq-default', { connection, prefix });
  try {
    await fill(queue, count);
    return await run(prefix, concurrency, count);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    await deleteKeysByPrefix(connection, prefix);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const { concurrency, jobs } of CASES) {
  const results = { bare: [], agentq: [] };
  // Interleaved, so drift on a noisy machine hits both sides alike.
  for (let run = 0; run < RUNS; run++) {
    results.bare.push(await measure(bare, concurrency, jobs));
    results.agentq.push(await measure(agentq, concurrency, jobs));
  }
  const row = {
    concurrency,
    jobs,
    bare: Math.round(median(results.bare)),
    agentq: Math.round(median(results.agentq)),
  };
  // Each run's agentq figure against the bare one measured just before it, under the same
  // load; the ratio is their median (as the gateway bench does), which drift between runs
  // moves less than a ratio of the two medians.
  const runRatios = results.agentq.map((agentq, run) => agentq / results.bare[run]);
  row.ratio = median(runRatios).toFixed(2);
  row.runRatios = runRatios.map((ratio) => ratio.toFixed(2));
  rows.push(row);
  console.log(JSON.stringify(row));
}
await cancels.close();
await cancelSubscriber.quit();
await connection.quit();
await tracing.shutdown();

console.log('| concurrency | jobs | bare BullMQ jobs/s | agentq jobs/s | ratio | per-run ratios |');
console.log('| ----------- | ---- | ----------------- | ------------ | ----- | -------------- |');
for (const r of rows) {
  const perRun = r.runRatios.join(' / ');
  console.log(
    `| ${r.concurrency} | ${r.jobs} | ${r.bare} | ${r.agentq} | ${r.ratio} | ${perRun} |`,
  );
}
console.log(
  `jobs/s: medians of ${RUNS} interleaved runs; ratio: median of the per-run ratios; node ${process.version}`,
);
if (process.env.BENCH_OUTPUT === 'json') {
  console.log(`BENCH_RESULT ${JSON.stringify({ runs: RUNS, rows })}`);
}
