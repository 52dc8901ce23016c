// Gateway throughput on loopback: POST /v1/tasks and POST /v1/tasks/batch through the whole
// gateway (validation, admission, idempotency, index) against a bare Fastify route doing only
// queue.add / queue.addBulk, in the same run and on the same Redis. Run `pnpm bench:gateway`
// at the root (builds first). autocannon runs as a child process so it does not share the
// servers' event loop. Keys live under a prefix of their own, deleted at the end. With
// BENCH_OUTPUT=json it ends with one `BENCH_RESULT {...}` line for the suite (`pnpm bench`).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { pino } from 'pino';
import { AgentRegistry, builtinAgents } from '@agentq/agents';
import { createRedis, createTaskQueues, deleteKeysByPrefix } from '@agentq/queue';
import { loadConfig } from '../dist/config.js';
import { createGateway } from '../dist/create-gateway.js';

const require = createRequire(import.meta.url);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const BATCH = 100;
const prefix = `agentq-bench-${randomUUID().slice(0, 8)}`;

const task = { agent: 'echo', input: { hello: 'world' } };
const batchBody = {
  tasks: Array.from({ length: BATCH }, (_, i) => ({ agent: 'echo', input: { i } })),
};

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
  args.push('-m', 'POST', '-H', 'content-type=application/json', '-b', JSON.stringify(body), url);
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
  });
  const queues = createTaskQueues(config.pools, { connection: redis, prefix });
  const gateway = await createGateway({
    config,
    logger: pino({ level: 'silent' }),
    redis,
    queues,
    registry: new AgentRegistry(builtinAgents),
  });
  await gateway.listen({ port: 0, host: '127.0.0.1' });
  const gatewayUrl = await gateway.getUrl();

  const bareQueue = new Queue('bare', { connection: redis, prefix });
  const bare = Fastify({ bodyLimit: 1_048_576 });
  bare.post('/tasks', async (request, reply) => {
    const job = await bareQueue.add(request.body.agent, request.body);
    return reply.code(201).send({ id: job.id });
  });
  bare.post('/batch', async (request, reply) => {
    const jobs = await bareQueue.addBulk(
      request.body.tasks.map((t) => ({ name: t.agent, data: t })),
    );
    return reply.code(201).send({ tasks: jobs.map((job) => ({ id: job.id })) });
  });
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  const rows = [];
  const run = async (label, url, body, perRequest) => {
    const result = await cannon(url, body);
    const ok = result['2xx'];
    rows.push({
      label,
      reqPerSec: result.requests.average,
      tasksPerSec: (ok * perRequest) / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.non2xx + result.errors,
    });
  };
  try {
    await run('gateway POST /v1/tasks', `${gatewayUrl}/v1/tasks`, task, 1);
    await run('bare queue.add', `${bareUrl}/tasks`, task, 1);
    await run(
      `gateway POST /v1/tasks/batch (${BATCH})`,
      `${gatewayUrl}/v1/tasks/batch`,
      batchBody,
      BATCH,
    );
    await run(`bare queue.addBulk (${BATCH})`, `${bareUrl}/batch`, batchBody, BATCH);
  } finally {
    await gateway.close();
    await bare.close();
    await deleteKeysByPrefix(redis, prefix);
    await Promise.all([...queues.values(), bareQueue].map((queue) => queue.close()));
    await redis.quit();
  }

  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const bullmqVersion = require('bullmq/package.json').version;
  console.log(
    `\n${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, redis ${redisVersion}, bullmq ${bullmqVersion}; ${CONNECTIONS} connections, ${SECONDS} s per run\n`,
  );
  console.log('| run | req/s | tasks/s | p50 ms | p99 ms | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.label} | ${fmt(r.reqPerSec)} | ${fmt(r.tasksPerSec)} | ${r.p50} | ${r.p99} | ${r.errors} |`,
    );
  if (process.env.BENCH_OUTPUT === 'json') {
    console.log(
      `BENCH_RESULT ${JSON.stringify({ seconds: SECONDS, connections: CONNECTIONS, rows })}`,
    );
  }
  const [gSingle, bSingle, gBatch, bBatch] = rows;
  if (gSingle && bSingle && gBatch && bBatch) {
    console.log(
      `\nsingle: gateway/bare = ${(gSingle.tasksPerSec / bSingle.tasksPerSec).toFixed(2)}; batch: gateway/bare = ${(gBatch.tasksPerSec / bBatch.tasksPerSec).toFixed(2)}`,
    );
  }
}

await main();
