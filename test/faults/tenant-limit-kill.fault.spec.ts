import { useFaultRig } from '../helpers/fault-rig.js';
import { sizeFromEnv } from '../helpers/system.js';
import { runUnderWorkerKills } from '../helpers/worker-kills.js';

// The tenant's limit on tasks running at once binds (10 of the workers' 60 slots), so most
// tasks are parked and moved back as others end, while a random worker of three is SIGKILLed
// every two seconds: a kill between taking a slot and parking, or between finishing and
// freeing a slot, loses no task and runs none twice at once; leases of dead runs expire.
// Its ran-twice figure counts parked fetches too: BullMQ counts every fetch as a start.

const rig = useFaultRig('agentq-fault-tenant', { aof: false, stopSignal: 'SIGKILL' });

it('completes every acknowledged task of a limited tenant while workers are SIGKILLed', async () => {
  const tasks = sizeFromEnv('FAULT_TASKS', 600);
  const { stats, result, kills } = await runUnderWorkerKills(rig, {
    name: 'tenant-limit-kill',
    tasks,
    taskMs: 50,
    killEveryMs: 2000,
    workers: 3,
    workerEnv: { AGENTQ_TENANTS: JSON.stringify({ default: { maxRunning: 10 } }) },
  });
  expect(stats.acknowledged).toHaveLength(tasks);
  expect(kills).toBeGreaterThan(0);
  expect(result.lost).toEqual([]);
  expect(result.completedTwice).toEqual([]);
});
