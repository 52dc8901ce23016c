import { randomUUID } from 'node:crypto';
import type { AppProcess } from '../helpers/app-process.js';
import {
  submitBatchThroughOutage,
  submitThroughOutage,
  untilCompleted,
} from '../helpers/failover.js';
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

describe('on a Sentinel set', () => {
  it('runs tasks on the master the sentinels name', async () => {
    await untilCompleted(gateway.url, await submitBatchThroughOutage(gateway.url, 50));
  });

  it('follows a failover by itself: 503 while there is no master, then tasks again', async () => {
    const oldPort = await set.killMaster();
    const killedAt = Date.now();
    const { id: firstTaken, statuses } = await submitThroughOutage(gateway.url);
    const newPort = await set.untilFailedOver(oldPort);
    expect(newPort).not.toBe(oldPort);
    // Refused as unavailable (or unconfirmed), never a server error.
    expect([...statuses].filter((status) => ![201, 503, 504].includes(status))).toEqual([]);
    process.stdout.write(
      `sentinel failover: first task taken ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the master was killed\n`,
    );
    await untilCompleted(gateway.url, [
      firstTaken,
      ...(await submitBatchThroughOutage(gateway.url, 50)),
    ]);
  });
});
