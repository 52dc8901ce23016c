import { useFaultRig } from '../helpers/fault-rig.js';
import { AppProcess } from '../helpers/app-process.js';
import { outcomeLine, submitLoad } from '../helpers/load-client.js';

// Redis restarts (AOF on, appendfsync always) while tasks are submitted and run: clients get
// 503 during the outage, never a hang or a 500, and every task the gateway acknowledged
// completes.

const TASKS = 1500;
const PREFIX = 'agentq-fault';
const rig = useFaultRig(PREFIX);

it('completes every acknowledged task across a Redis restart, answering 503 meanwhile', async () => {
  const env = { REDIS_URL: rig.redis.url, AGENTQ_PREFIX: PREFIX };
  const gateway = AppProcess.app('gateway', {
    ...env,
    PORT: '0',
    AGENTQ_GATEWAY_HOST: '127.0.0.1',
  });
  const worker = AppProcess.app('worker', { ...env, AGENTQ_CONCURRENCY: '50' });
  rig.apps.push(gateway, worker);
  const url = String((await gateway.waitForMessage('ready')).url);
  await worker.waitForMessage('ready');

  let restart: Promise<void> | undefined;
  const stats = await submitLoad({
    url: `${url}/v1/tasks`,
    count: TASKS,
    concurrency: 10,
    body: (i) => ({ agent: 'sim', input: { latencyMs: 5, output: i } }),
    onAnswer: (acknowledged) => {
      // A third of the way in, restart Redis under the load.
      if (acknowledged === Math.floor(TASKS / 3) && !restart) {
        restart = rig.redis.stop().then(() => rig.redis.start());
      }
    },
  });
  await restart;
  await rig.outcomes.waitForAll(stats.acknowledged);
  const result = await rig.outcomes.outcomes(stats.acknowledged);
  const statuses = Object.fromEntries(stats.statuses);
  process.stdout.write(outcomeLine('redis-restart', stats, result));

  // A 500 is logged with its error: shown here if one happened.
  expect(gateway.lines.filter((line) => line.msg === 'request failed')).toEqual([]);
  expect(result.lost).toEqual([]);
  expect(stats.hangs).toBe(0);
  expect(stats.refused).toBe(0);
  // Every answer is a success, a 503 (nothing queued) or a 504 OUTCOME_UNKNOWN (the
  // connection dropped after the submit was sent; not acknowledged), nothing else.
  expect(Object.keys(statuses).filter((status) => !['201', '503', '504'].includes(status))).toEqual(
    [],
  );
  expect(stats.acknowledged.length).toBeGreaterThan(TASKS / 2);
  // The gateway is ready again by itself.
  expect((await fetch(`${url}/ready`)).status).toBe(200);
});
