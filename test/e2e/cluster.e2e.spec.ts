import { randomUUID } from 'node:crypto';
import type { PoolStats } from '@agentq/contracts';
import { poolKeyPrefix } from '@agentq/queue';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  submitBatchThroughOutage,
  submitThroughOutage,
  untilCompleted,
} from '../helpers/failover.js';
import { TEST_KEY } from '../helpers/api-keys.js';
import { AppProcess } from '../helpers/app-process.js';
import { gatewayFetch, http } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { followToFinal } from '../helpers/sse-client.js';
import { TestRedisCluster } from '../helpers/redis-cluster.js';
import { pollUntil, startGateway, startWorker } from '../helpers/system.js';

interface PoolStatusView {
  desired: number;
  observation?: { backlog: number };
}

/*
 * The apps on a Redis Cluster (3 masters, 3 replicas), with a hash-tagged prefix: the
 * system's keys share its slot and each pool's keys a slot of their own, here each on another
 * master. Tasks, batches, idempotency, a workflow, event streams, pool counts, Bull Board and
 * the scaler work as on one node; when a pool's master dies the other pools go on, and when
 * the system slot's master dies the apps follow its replica by themselves (503 meanwhile,
 * never a 500 or a hang).
 */
let cluster: TestRedisCluster;
let gateway: { app: AppProcess; url: string };
let worker: AppProcess;
let PREFIX: string;

/** Two pools; the worker serves `default` only, so `large` keeps a backlog to observe. */
const POOLS = 'default,large';

/** Where the system's keys and each pool's keys are, for `cluster.masterOf`. */
const systemSlot = () => `${PREFIX}:any`;
const poolSlot = (pool: string) => `${poolKeyPrefix(PREFIX, pool)}:any`;

beforeAll(async () => {
  cluster = await TestRedisCluster.start();
  PREFIX = await cluster.prefixWith(['default', 'large'], 'spread');
  const env = { ...cluster.env, AGENTQ_PREFIX: PREFIX };
  gateway = await startGateway({ ...env, AGENTQ_POOLS: POOLS, AGENTQ_GATEWAY_ADMIN_UI: 'true' });
  worker = await startWorker({ ...env, AGENTQ_CONCURRENCY: '8' });
}, 60_000);

afterAll(async () => {
  const codes = await Promise.all([gateway.app.stop(), worker.stop()]);
  await cluster.stop();
  expect(codes).toEqual([0, 0]);
});

/** Submits until taken, retrying 503 as a client would (a failover may still settle). */
async function submit(path: string, body: unknown) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await http('POST', `${gateway.url}${path}`, body);
    if (answer.status !== 503) return answer;
    if (Date.now() > deadline) throw new Error('the gateway kept answering 503');
    await sleep(100);
  }
}

describe('on a Redis Cluster', () => {
  it('runs a batch of tasks', async () => {
    const ids = await submitBatchThroughOutage(gateway.url, 50);
    await untilCompleted(gateway.url, ids);
    const one = await http('GET', `${gateway.url}/v1/tasks/${ids[7]}`);
    expect(one.body).toMatchObject({ result: { i: 7 } });
  });

  it('keeps idempotency: the same key gives the same task', async () => {
    const task = { agent: 'echo', input: 'once', idempotencyKey: `cluster-${randomUUID()}` };
    const first = await submit('/v1/tasks', task);
    const again = await submit('/v1/tasks', task);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect((again.body as { id: string }).id).toBe((first.body as { id: string }).id);
  });

  it('runs a workflow to its end', async () => {
    const answer = await submit('/v1/workflows', {
      steps: [
        { id: 'a', agent: 'echo', input: { from: 'a' } },
        { id: 'b', agent: 'echo', input: { from: 'b' }, dependsOn: ['a'] },
      ],
    });
    expect(answer.status).toBe(201);
    const id = (answer.body as { id: string }).id;
    const done = await http('GET', `${gateway.url}/v1/workflows/${id}?wait=30`);
    expect(done.body).toMatchObject({
      id,
      state: 'completed',
      steps: [{ output: { from: 'a' } }, { output: { from: 'b' } }],
    });
  });

  it('streams a task to its end over SSE', async () => {
    const answer = await submit('/v1/tasks', { agent: 'sim', input: { steps: 3, latencyMs: 30 } });
    const id = (answer.body as { id: string }).id;
    const events: string[] = [];
    const { final } = await followToFinal(`${gateway.url}/v1/tasks/${id}/events`, {
      onEvent: (event) => events.push(event.event),
    });
    expect(final.event).toBe('completed');
    expect(events).toContain('progress');
  });

  it('shows every pool: counts in GET /v1/pools, queues in Bull Board, the scaler observing', async () => {
    const backlog = Array.from({ length: 30 }, (_, i) => ({
      agent: 'echo',
      input: { i },
      pool: 'large',
    }));
    expect((await submit('/v1/tasks/batch', { tasks: backlog })).status).toBe(201);

    const pools = await http('GET', `${gateway.url}/v1/pools`);
    expect(pools.status).toBe(200);
    const large = (pools.body as { pools: PoolStats[] }).pools.find((one) => one.pool === 'large');
    // Waiting, ordered by priority (BullMQ keeps prioritized tasks apart from its FIFO list).
    expect((large?.counts.waiting ?? 0) + (large?.counts.prioritized ?? 0)).toBe(30);

    const basic = Buffer.from(`default:${TEST_KEY.key}`).toString('base64');
    const board = await gatewayFetch(`${gateway.url}/admin/queues/api/queues`, {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(board.status).toBe(200);
    const names = ((await board.json()) as { queues: { name: string }[] }).queues.map(
      (q) => q.name,
    );
    expect(names.sort()).toEqual(['agentq-default', 'agentq-large', 'dead-letter']);

    const port = await freePort();
    const scaler = AppProcess.app('scaler', {
      ...cluster.env,
      AGENTQ_PREFIX: PREFIX,
      AGENTQ_POOLS: POOLS,
      AGENTQ_LOG_LEVEL: 'info',
      AGENTQ_API_KEYS: TEST_KEY.line,
      AGENTQ_SCALER_ACTUATOR: 'none',
      AGENTQ_SCALER_HTTP_PORT: String(port),
      AGENTQ_SCALER_INTERVAL_MS: '200',
    });
    try {
      await scaler.waitForMessage('ready');
      let status: { pools: Record<string, PoolStatusView> } | undefined;
      await pollUntil(async () => {
        status = (await http('GET', `http://127.0.0.1:${port}/status`, undefined, null)).body as {
          pools: Record<string, PoolStatusView>;
        };
        return status.pools.large?.observation?.backlog === 30;
      }, "the scaler to see the large pool's backlog");
      expect(status?.pools.large?.desired).toBeGreaterThan(0);
      expect(status?.pools.default?.observation).toBeDefined();
    } finally {
      expect(await scaler.stop()).toBe(0);
    }
  });

  it("keeps the other pools going while a pool's master fails over", async () => {
    const oldPort = await cluster.killMasterOf(poolSlot('default'));
    const killedAt = Date.now();
    let failedOver = false;
    const failover = cluster.untilFailedOver(poolSlot('default'), oldPort).finally(() => {
      failedOver = true;
    });
    const largeStatuses: number[] = [];
    while (!failedOver) {
      const answer = await http('POST', `${gateway.url}/v1/tasks`, {
        agent: 'echo',
        input: largeStatuses.length,
        pool: 'large',
      });
      largeStatuses.push(answer.status);
    }
    expect(await failover).not.toBe(oldPort);
    // Every submit to the other pool was taken, all along.
    expect(largeStatuses.length).toBeGreaterThan(0);
    expect(largeStatuses.filter((status) => status !== 201)).toEqual([]);
    // The pool whose master died takes and runs tasks again.
    const { id, statuses } = await submitThroughOutage(gateway.url);
    expect([...statuses].filter((status) => ![201, 503, 504].includes(status))).toEqual([]);
    process.stdout.write(
      `cluster pool failover: ${largeStatuses.length} submits to the other pool all taken; the pool took a task again ${((Date.now() - killedAt) / 1000).toFixed(1)} s after its master was killed\n`,
    );
    await untilCompleted(gateway.url, [id]);
  });

  it("follows a failover of the system slot's master: 503 meanwhile, then tasks again", async () => {
    const slotKey = systemSlot();
    const oldPort = await cluster.killMasterOf(slotKey);
    const killedAt = Date.now();
    const { id: firstTaken, statuses } = await submitThroughOutage(gateway.url);
    expect(await cluster.untilFailedOver(slotKey, oldPort)).not.toBe(oldPort);
    expect([...statuses].filter((status) => ![201, 503].includes(status))).toEqual([]);
    process.stdout.write(
      `cluster failover: first task taken ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the slot's master was killed\n`,
    );
    const ids = await submitBatchThroughOutage(gateway.url, 20);
    await untilCompleted(gateway.url, [firstTaken, ...ids]);
  });
  it('runs a workflow whose steps are in pools on different shards', async () => {
    const large = await startWorker({
      ...cluster.env,
      AGENTQ_PREFIX: PREFIX,
      AGENTQ_POOLS: 'large',
      AGENTQ_CONCURRENCY: '8',
    });
    try {
      const answer = await submit('/v1/workflows', {
        steps: [
          { id: 'a', agent: 'echo', input: { from: 'a' } },
          { id: 'b', agent: 'echo', input: { from: 'b' }, pool: 'large', dependsOn: ['a'] },
          { id: 'c', agent: 'echo', input: { from: 'c' }, dependsOn: ['b'] },
        ],
      });
      expect(answer.status).toBe(201);
      const id = (answer.body as { id: string }).id;
      const done = await http('GET', `${gateway.url}/v1/workflows/${id}?wait=30`);
      expect(done.body).toMatchObject({
        state: 'completed',
        steps: [{ pool: 'default' }, { pool: 'large', output: { from: 'b' } }, { pool: 'default' }],
      });
    } finally {
      expect(await large.stop()).toBe(0);
    }
  });
});
