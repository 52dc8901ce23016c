import { randomUUID } from 'node:crypto';
import type { AppProcess } from '../helpers/app-process.js';
import {
  expectNothingAcknowledgedLost,
  masterKillLines,
  runMasterKills,
} from '../helpers/master-kills.js';
import { TestSentinelSet } from '../helpers/redis-sentinel.js';
import { sizeFromEnv } from '../helpers/system.js';

// The Sentinel master SIGKILLed five times under load, the gateway acknowledging a submit
// only once both replicas have it (AGENTQ_REDIS_ACK_REPLICAS=2): each time the sentinels
// promote a replica, the apps follow by themselves, and no acknowledged task is lost. With
// `1`, a write only the replica left behind had is lost when the other is promoted (the
// sentinels pick by offsets up to a second old); docs/redis.md has the figures.

let set: TestSentinelSet;
const apps: AppProcess[] = [];

beforeAll(async () => {
  set = await TestSentinelSet.start();
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await set.stop();
});

it('loses no acknowledged task over five master kills with AGENTQ_REDIS_ACK_REPLICAS=2', async () => {
  const run = await runMasterKills(
    {
      env: set.env,
      target: set.target,
      killMasterAndRecover: async () => {
        const port = await set.killMaster();
        await set.untilFailedOver(port);
        await set.restart(port);
      },
    },
    {
      prefix: `agentq-fault-sentinel-${randomUUID().slice(0, 8)}`,
      tasks: sizeFromEnv('FAULT_TASKS', 5000),
      ackReplicas: 2,
    },
    apps,
  );
  process.stdout.write(masterKillLines('sentinel-master-kill', run));
  expectNothingAcknowledgedLost(run);
}, 240_000);
