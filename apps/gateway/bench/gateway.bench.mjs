// Gateway throughput on loopback: POST /v1/tasks and POST /v1/tasks/batch through the whole
// gateway (validation, admission, idempotency, index) against a bare Fastify route doing only
// queue.add / queue.addBulk, in the same run, each on a connection of its own. The bare route
// runs twice: with the job options the gateway sets (task id, priority, attempts, backoff,
// retention: the same jobs in Redis, the fair comparison) and with BullMQ's defaults. Run `pnpm bench:gateway`
// at the root (builds first). autocannon runs as a child process so it does not share the
// servers' event loop. Keys live under a prefix of their own, deleted at the end. With
// BENCH_OUTPUT=json it ends with one `BENCH_RESULT {...}` line for the suite (`pnpm bench`).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import Fastify from 'fastify';
import { pino } from 'pino';
import { AgentRegistry, builtinAgents } from '@agentq/agents';
import { TaskSpecSchema } from '@agentq/contracts';
import {
  createKey,
  createRedis,
  deleteKeysByPrefix,
  formatApiKeyLine,
  openTaskQueues,
  taskJobOptions,
} from '@agentq/queue';
import { startTracing } from '@agentq/telemetry';
import { loadConfig } from '../dist/config.js';
import { createGateway } from '../dist/create-gateway.js';

const require = createRequire(import.meta.url);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
// Every run is repeated this many times, interleaved, and medians are reported: on a shared
// machine one pair of runs can differ by 2x.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 100;
const prefix = `agentq-bench-${randomUUID().slice(0, 8)}`;

const task = { agent: 'echo', input: { hello: 'world' } };
const batchBody = {
  tasks: Array.from({ length: BATCH }, (_, i) => ({ agent: 'echo', input: { i } })),
};

// Requests authenticate like a client's (the key check and the rate-limit script run on each).
const apiKey = createKey({ tenant: 'bench', scopes: ['tasks:write'] });

/** Runs autocannon's CLI against one route; answers its JSON summary. */
function cannon(url, body) {
  const args = [
    require.resolve('autocannon/autocannon.js'),
    '-j',
    '-c',
    String(CONNECTIONS),
    '-d',
    String(SECONDS),
  ];
  args.push('-m', 'POST', '-H', 'content-type=application/json');
  args.push('-H', `authorization=Bearer ${apiKey.key}`, '-b', JSON.stringify(body), url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`)),
    );
  });
}

async function main() {
  // As main.ts does: with OTEL_* set (the suite's tracing section), requests are traced.
  const tracing = startTracing('agentq-gateway-bench', process.env);
  const redis = createRedis(REDIS_URL, 'client', 'bench');
  await new Promise((resolve) => redis.once('ready', resolve));
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  const config = loadConfig({
    REDIS_URL,
    AGENTQ_PREFIX: prefix,
    AGENTQ_LOG_LEVEL: 'silent',
    // Limits too high to refuse anything, so admission still counts the backlog on every
    // submit (as in production) but the run measures accepted tasks only.
    AGENTQ_GATEWAY_MAX_BACKLOG_NORMAL: '1000000000',
    // The tenant cap on: its reservation runs on every submit, as in production.
    AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED: '1000000000',
    AGENTQ_GATEWAY_RATE_LIMIT_BURST: '1000000000',
    AGENTQ_GATEWAY_TASK_RATE_LIMIT_BURST: '1000000000',
    AGENTQ_API_KEYS: formatApiKeyLine(apiKey.entry),
  });
  // As main.ts does: a queue whose start timed out is replaced.
  const { queues } = await openTaskQueues(
    config.pools,
    { connection: redis, prefix },
    10_000,
    () => undefined,
  );
  const gateway = await createGateway({
    config,
    logger: pino({ level: 'silent' }),
    redis,
    queues,
    registry: new AgentRegistry(builtinAgents),
    tracing: tracing.enabled,
  });
  await gateway.listen({ port: 0, host: '127.0.0.1' });
  const gatewayUrl = await gateway.getUrl();

  // The bare route connects as a plain BullMQ app would: ioredis' defaults, a connection
  // of its own.
  const bareRedis = new Redis(REDIS_URL);
  const bareQueue = new Queue('bare', { connection: bareRedis, prefix });
  const bare = Fastify({ bodyLimit: 1_048_576 });
  // `?opts=agentq`: the options the gateway gives the same spec, with a fresh task id.
  const optionsFor = (request) => {
    if (request.query.opts !== 'agentq') return () => undefined;
    const base = taskJobOptions(TaskSpecSchema.parse(task), '', config.retention);
    return () => ({ ...base, jobId: randomUUID() });
  };
  bare.post('/tasks', async (request, reply) => {
    const opts = optionsFor(request)();
    const job = await bareQueue.add(request.body.agent, request.body, opts);
    return reply.code(201).send({ id: job.id });
  });
  bare.post('/batch', async (request, reply) => {
    const opts = optionsFor(request);
    const jobs = await bareQueue.addBulk(
      request.body.tasks.map((t) => ({ name: t.agent, data: t, opts: opts() })),
    );
    return reply.code(201).send({ tasks: jobs.map((job) => ({ id: job.id })) });
  });
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  /** Redis calls so far (Lua scripts count their inner calls); exact on a private Redis only. */
  const redisCalls = async () => {
    const stats = await redis.info('commandstats');
    return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  };
  const runs = [
    ['gateway POST /v1/tasks', `${gatewayUrl}/v1/tasks`, task, 1],
    ['bare queue.add, agentq options', `${bareUrl}/tasks?opts=agentq`, task, 1],
    ['bare queue.add, BullMQ defaults', `${bareUrl}/tasks`, task, 1],
    [`gateway POST /v1/tasks/batch (${BATCH})`, `${gatewayUrl}/v1/tasks/batch`, batchBody, BATCH],
    [`bare addBulk (${BATCH}), agentq options`, `${bareUrl}/batch?opts=agentq`, batchBody, BATCH],
    [`bare addBulk (${BATCH}), BullMQ defaults`, `${bareUrl}/batch`, batchBody, BATCH],
  ];
  /** Per run (same order as `runs`), one measurement per round. */
  const results = runs.map(() => []);
  const measure = async (url, body, perRequest) => {
    // Gateway and bare routes share this process: its CPU time per task is the cost of
    // whichever route runs (autocannon is a child process).
    const callsBefore = await redisCalls();
    const cpuBefore = process.cpuUsage();
    const result = await cannon(url, body);
    const cpu = process.cpuUsage(cpuBefore);
    const tasks = Math.max(1, result['2xx'] * perRequest);
    return {
      reqPerSec: result.requests.average,
      tasksPerSec: tasks / result.duration,
      cpuMicrosPerTask: (cpu.user + cpu.system) / tasks,
      // Less the INFO call that measures.
      redisCallsPerTask: ((await redisCalls()) - callsBefore - 1) / tasks,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.non2xx + result.errors,
    };
  };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [index, [, url, body, perRequest]] of runs.entries()) {
        results[index]?.push(await measure(url, body, perRequest));
      }
    }
  } finally {
    await gateway.close();
    await bare.close();
    await deleteKeysByPrefix(redis, prefix);
    await Promise.all([...queues.values(), bareQueue].map((queue) => queue.close()));
    await Promise.all([redis.quit(), bareRedis.quit()]);
    await tracing.shutdown();
  }

  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const bullmqVersion = require('bullmq/package.json').version;
  console.log(
    `\n${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, redis ${redisVersion}, bullmq ${bullmqVersion}; ${CONNECTIONS} connections, ${SECONDS} s per run; Redis calls counted with INFO commandstats (other clients of the same Redis inflate them)\n`,
  );
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
  };
  const med = (index, field) => median((results[index] ?? []).map((r) => r[field]));
  const headers = [
    'run',
    'req/s',
    'tasks/s',
    'CPU µs/task',
    'Redis calls/task',
    'p50 ms',
    'p99 ms',
    'errors',
  ];
  const rows = runs.map(([label], index) => [
    label,
    fmt(med(index, 'reqPerSec')),
    fmt(med(index, 'tasksPerSec')),
    fmt(med(index, 'cpuMicrosPerTask')),
    med(index, 'redisCallsPerTask').toFixed(1),
    med(index, 'p50'),
    med(index, 'p99'),
    (results[index] ?? []).reduce((sum, r) => sum + r.errors, 0),
  ]);
  console.log(`medians of ${ROUNDS} interleaved rounds\n`);
  console.log(`| ${headers.join(' | ')} |`);
  console.log(
    `| --- | ${headers
      .slice(1)
      .map(() => '---:')
      .join(' | ')} |`,
  );
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  /** Gateway over bare tasks/s, per round (same round, so under the same load), and the median. */
  const roundRatios = (gateway, bare) =>
    (results[gateway] ?? []).map(
      (r, round) => r.tasksPerSec / (results[bare]?.[round]?.tasksPerSec ?? NaN),
    );
  const ratios = (gateway, bare) => {
    const each = roundRatios(gateway, bare);
    return `${median(each).toFixed(2)} (rounds: ${each.map((x) => x.toFixed(2)).join(', ')})`;
  };
  const notes = [
    `gateway / bare, same job options: single ${ratios(0, 1)}; batch ${ratios(3, 4)}.`,
    `gateway / bare, BullMQ defaults: single ${ratios(0, 2)}; batch ${ratios(3, 5)}.`,
  ];
  console.log(`\n${notes.join('\n')}`);
  if (process.env.BENCH_OUTPUT === 'json') {
    const caption = `${CONNECTIONS} connections, ${SECONDS} s per run, medians of ${ROUNDS} interleaved rounds.`;
    const tables = [{ caption, headers, rows }];
    // The figures other sections compare (gateway over bare, same job options).
    const summary = {
      singleRatio: median(roundRatios(0, 1)),
      batchRatio: median(roundRatios(3, 4)),
      singleCpuMicrosPerTask: med(0, 'cpuMicrosPerTask'),
    };
    console.log(`BENCH_RESULT ${JSON.stringify({ tables, notes, summary })}`);
  }
}

await main();
