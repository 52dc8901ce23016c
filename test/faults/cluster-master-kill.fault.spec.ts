import { randomUUID } from 'node:crypto';
import { poolKeyPrefix } from '@agentq/queue';
import type { AppProcess } from '../helpers/app-process.js';
import {
  expectNothingAcknowledgedLost,
  masterKillLines,
  runMasterKills,
} from '../helpers/master-kills.js';
import { TestRedisCluster } from '../helpers/redis-cluster.js';
import { sizeFromEnv } from '../helpers/system.js';

// On a Redis Cluster (3 masters, one replica each), under load, five SIGKILLs of a master:
// the one serving the pool's slot (where the tasks are), then the one serving the system's
// slot (the gate's claims and records), in turn. The gateway acknowledges a submit only once
// the replicas have each of its steps (AGENTQ_REDIS_ACK_REPLICAS=1, all the replicas it
// has): each time a replica takes a slot over, the apps follow the new slot map by
// themselves, and no acknowledged task is lost.

const PREFIX = `{agentq-fault-cluster-${randomUUID().slice(0, 8)}}`;
let cluster: TestRedisCluster;
const apps: AppProcess[] = [];

beforeAll(async () => {
  cluster = await TestRedisCluster.start();
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await cluster.stop();
});

it("loses no acknowledged task over five kills of the slots' masters with ACK_REPLICAS=1", async () => {
  const slotKeys = [`${poolKeyPrefix(PREFIX, 'default')}:any`, `${PREFIX}:any`];
  let kills = 0;
  const run = await runMasterKills(
    {
      env: cluster.env,
      target: cluster.target,
      killMasterAndRecover: async () => {
        const slotKey = slotKeys[kills++ % slotKeys.length] ?? `${PREFIX}:any`;
        const port = await cluster.killMasterOf(slotKey);
        await cluster.untilFailedOver(slotKey, port);
        await cluster.restart(port);
      },
    },
    { prefix: PREFIX, tasks: sizeFromEnv('FAULT_TASKS', 5000), ackReplicas: 1 },
    apps,
  );
  process.stdout.write(masterKillLines('cluster-master-kill', run));
  expectNothingAcknowledgedLost(run);
}, 240_000);
