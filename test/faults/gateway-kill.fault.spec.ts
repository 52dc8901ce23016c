import { useFaultRig } from '../helpers/fault-rig.js';
import { http } from '../helpers/http.js';
import { outcomeLine, type SubmitStats } from '../helpers/load-client.js';
import { freePort } from '../helpers/ports.js';
import { followToFinal, type FollowResult } from '../helpers/sse-client.js';
import { sizeFromEnv, startGateway, startWorker } from '../helpers/system.js';

// The gateway is SIGKILLed while clients follow their tasks' event streams. Each client
// reconnects (as EventSource does) with Last-Event-ID to a gateway restarted on the same
// address, gets the log lines it had not seen (none twice) and the final event. Sizes for a
// bigger manual run: FAULT_STREAMS.

const STREAMS = sizeFromEnv('FAULT_STREAMS', 20);
const STEPS = 4;
const PREFIX = 'agentq-fault';
const rig = useFaultRig(PREFIX, { aof: false });

it('gives every reconnecting client the final event after the gateway is SIGKILLed', async () => {
  const env = { REDIS_URL: rig.redis.url, AGENTQ_PREFIX: PREFIX };
  const port = await freePort();
  const gateway = await startGateway(env, port);
  rig.apps.push(gateway.app, await startWorker({ ...env, AGENTQ_CONCURRENCY: '50' }));

  // Tasks of 3–7 s in 4 steps (a log line each): some end while the gateway is down, some
  // after it is back.
  const stats: SubmitStats = {
    submitted: 0,
    acknowledged: [],
    statuses: new Map(),
    hangs: 0,
    refused: 0,
  };
  for (let i = 0; i < STREAMS; i++) {
    const latencyMs = 3000 + Math.round((4000 * i) / STREAMS);
    const answer = await http('POST', `${gateway.url}/v1/tasks`, {
      agent: 'sim',
      input: { latencyMs, steps: STEPS, output: i },
    });
    stats.submitted++;
    stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
    if (answer.status === 201) stats.acknowledged.push(String(answer.body.id));
  }

  // The kill comes once every stream is open (its first state event arrived) and a first
  // log line was streamed, so clients resume with lines both before and after it.
  const logs = new Map<string, string[]>();
  let opened = 0;
  let allOpen: () => void = () => undefined;
  const open = new Promise<void>((resolve) => (allOpen = resolve));
  let firstLog: () => void = () => undefined;
  const logged = new Promise<void>((resolve) => (firstLog = resolve));
  const follows: Promise<FollowResult>[] = stats.acknowledged.map((id) => {
    let first = true;
    logs.set(id, []);
    return followToFinal(`${gateway.url}/v1/tasks/${id}/events`, {
      onEvent: (event) => {
        if (event.event === 'log') {
          logs.get(id)?.push((event.data as { line: string }).line);
          firstLog();
        }
        if (event.event === 'state' && first) {
          first = false;
          if (++opened === stats.acknowledged.length) allOpen();
        }
      },
    });
  });
  await Promise.all([open, logged]);
  await gateway.app.stop('SIGKILL');
  const restarted = await startGateway(env, port);
  rig.apps.push(restarted.app);
  const results = await Promise.all(follows);

  await rig.outcomes.waitForAll(stats.acknowledged);
  const result = await rig.outcomes.outcomes(stats.acknowledged);
  process.stdout.write(outcomeLine('gateway-kill (SSE)', stats, result));

  expect(stats.acknowledged).toHaveLength(STREAMS);
  expect(result.lost).toEqual([]);
  for (const [i, follow] of results.entries()) {
    expect(follow.final.event).toBe('completed');
    expect(follow.final.data).toMatchObject({ state: 'completed', result: { output: i } });
    // It had to reconnect, saying how far it got.
    expect(follow.reconnects).toBeGreaterThan(0);
    expect(follow.resumedFrom.every((id) => id !== undefined)).toBe(true);
  }
  // Resuming from Last-Event-ID: each log line exactly once, in order.
  for (const id of stats.acknowledged) {
    expect(logs.get(id)).toEqual(
      Array.from({ length: STEPS }, (_, step) => `step ${step + 1} of ${STEPS}`),
    );
  }
});
