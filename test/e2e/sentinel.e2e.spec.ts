import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppProcess } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { TestSentinelSet } from '../helpers/redis-sentinel.js';
import { startGateway, startWorker } from '../helpers/system.js';

/*
 * The apps on a Sentinel set: they find the master through the sentinels, and when it dies
 * they follow the failover by themselves — the gateway answers 503 (never hangs or 500s)
 * while there is no master, then takes tasks again, and the worker runs them.
 */
let set: TestSentinelSet;
let gateway: { app: AppProcess; url: string };
let worker: AppProcess;

beforeAll(async () => {
  set = await TestSentinelSet.start();
  const env = { ...set.env, AGENTQ_PREFIX: `sentinel-${randomUUID().slice(0, 8)}` };
  gateway = await startGateway(env);
  worker = await startWorker({ ...env, AGENTQ_CONCURRENCY: '8' });
}, 60_000);

afterAll(async () => {
  const codes = await Promise.all([gateway.app.stop(), worker.stop()]);
  await set.stop();
  expect(codes).toEqual([0, 0]);
});

/** A batch of echo tasks, retried on 503 as a client would (a failover may still settle). */
async function submitBatch(count: number): Promise<string[]> {
  const tasks = Array.from({ length: count }, (_, i) => ({ agent: 'echo', input: { i } }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await http('POST', `${gateway.url}/v1/tasks/batch`, { tasks });
    if (answer.status === 201) {
      return (answer.body as { tasks: { id: string }[] }).tasks.map((task) => task.id);
    }
    expect(answer.status).toBe(503);
    if (Date.now() > deadline) throw new Error('the gateway kept answering 503');
    await sleep(100);
  }
}

async function untilCompleted(ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const answer = await http('GET', `${gateway.url}/v1/tasks/${id}?wait=30`);
    expect(answer.body).toMatchObject({ id, state: 'completed' });
  }
}

describe('on a Sentinel set', () => {
  it('runs tasks on the master the sentinels name', async () => {
    await untilCompleted(await submitBatch(50));
  });

  it('follows a failover by itself: 503 while there is no master, then tasks again', async () => {
    const oldPort = await set.killMaster();
    const killedAt = Date.now();
    const statuses = new Set<number>();
    // Submits through the failover until one is taken.
    let firstTaken: string | undefined;
    while (firstTaken === undefined) {
      const answer = await http('POST', `${gateway.url}/v1/tasks`, { agent: 'echo', input: 1 });
      statuses.add(answer.status);
      if (answer.status === 201) firstTaken = (answer.body as { id: string }).id;
      else await sleep(100);
      if (Date.now() - killedAt > 60_000) throw new Error('the gateway never took a task again');
    }
    const newPort = await set.untilFailedOver(oldPort);
    expect(newPort).not.toBe(oldPort);
    // Refused as unavailable (or unconfirmed), never a server error.
    expect([...statuses].filter((status) => ![201, 503, 504].includes(status))).toEqual([]);
    process.stdout.write(
      `sentinel failover: first task taken ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the master was killed\n`,
    );
    await untilCompleted([firstTaken, ...(await submitBatch(50))]);
  });
});
