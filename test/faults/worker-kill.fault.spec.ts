import { useFaultRig } from '../helpers/fault-rig.js';
import { sizeFromEnv } from '../helpers/system.js';
import { runUnderWorkerKills } from '../helpers/worker-kills.js';

// A random worker of three is SIGKILLed every few seconds (and replaced) while thousands of
// short tasks run: every acknowledged task completes, each result is recorded once, and the
// line says how many ran twice (delivery is at least once). Sizes for a bigger manual run:
// FAULT_TASKS, FAULT_TASK_MS (each task's duration), FAULT_KILL_EVERY_MS.

const rig = useFaultRig('agentq-fault', { aof: false, stopSignal: 'SIGKILL' });

it('completes every acknowledged task while workers are SIGKILLed one after another', async () => {
  const tasks = sizeFromEnv('FAULT_TASKS', 5000);
  const { stats, result, kills } = await runUnderWorkerKills(rig, {
    name: 'worker-kill',
    tasks,
    taskMs: sizeFromEnv('FAULT_TASK_MS', 200),
    killEveryMs: sizeFromEnv('FAULT_KILL_EVERY_MS', 2000),
    workers: 3,
  });
  expect(stats.acknowledged).toHaveLength(tasks);
  expect(kills).toBeGreaterThan(0);
  expect(result.lost).toEqual([]);
  expect(result.completedTwice).toEqual([]);
});
