import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppProcess } from '../helpers/app-process.js';
import {
  submitBatchThroughOutage,
  submitThroughOutage,
  untilCompleted,
} from '../helpers/failover.js';
import { http } from '../helpers/http.js';
import { TestRedisCluster } from '../helpers/redis-cluster.js';
import { startGateway, startWorker } from '../helpers/system.js';

/*
 * The apps on a Redis Cluster (3 masters, 3 replicas), with a hash-tagged prefix so that
 * every script's keys share a slot: tasks, batches, idempotency and a workflow run as on one
 * node; when the master serving the slot dies, its replica takes over and the apps follow by
 * themselves (503 meanwhile, never a 500 or a hang).
 */
let cluster: TestRedisCluster;
let gateway: { app: AppProcess; url: string };
let worker: AppProcess;
const PREFIX = `{cluster-${randomUUID().slice(0, 8)}}`;

beforeAll(async () => {
  cluster = await TestRedisCluster.start();
  const env = { ...cluster.env, AGENTQ_PREFIX: PREFIX };
  gateway = await startGateway(env);
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

  it("follows a failover of the slot's master: 503 meanwhile, then tasks again", async () => {
    const slotKey = `${PREFIX}:any`;
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
});
