import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { LocalActuator } from '../src/actuators/local.actuator.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const lines: string[] = [];
const waiters = new Set<{ match: (line: string) => boolean; resolve: () => void }>();

/** Resolves once a forwarded worker line (past or future) contains every part. */
function forwarded(...parts: string[]): Promise<void> {
  const match = (line: string) => parts.every((part) => line.includes(part));
  if (lines.some(match)) return Promise.resolve();
  return new Promise((resolve) => waiters.add({ match, resolve }));
}

function readyCount(): number {
  return lines.filter((line) => line.includes('"msg":"ready"')).length;
}

const actuator = new LocalActuator({
  pools: ['default'],
  workerScript: path.join(here, 'fixtures', 'fake-worker.mjs'),
  env: { PATH: process.env.PATH, FAKE_TASK_MS: '400' },
  concurrency: 7,
  restartBackoffMs: 50,
  forward: {
    minLevel: 30,
    write: (line) => {
      lines.push(line);
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
    },
  },
  closeTimeoutMs: 5000,
  logger: pino({ level: 'silent' }),
});

afterAll(() => actuator.close());

async function until(check: () => boolean): Promise<void> {
  // Worker processes report through their output; poll the actuator's view of it.
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe(LocalActuator.name, () => {
  it('starts workers, stops idle ones first, restarts a crashed one and drains on close', async () => {
    await actuator.start();
    await actuator.setReplicas('default', 3);
    expect(await actuator.currentReplicas('default')).toBe(3);
    await until(() => readyCount() === 3);
    expect(lines.every((line) => !line.includes('task started'))).toBe(true); // debug: not forwarded
    expect(lines[0]).toContain('"concurrency":"7"');

    // Two workers get a task; the third stays idle and is the one stopped.
    const [busy1, busy2, idle] = actuator.describe('default');
    process.kill(busy1?.pid ?? 0, 'SIGUSR2');
    process.kill(busy2?.pid ?? 0, 'SIGUSR2');
    await until(() => actuator.describe('default').filter((w) => w.running === 1).length === 2);
    await actuator.setReplicas('default', 2);
    expect(await actuator.currentReplicas('default')).toBe(2);
    await forwarded('"msg":"stopped"', `"pid":${idle?.pid}`);
    // The busy ones were not touched: their tasks complete.
    await forwarded('task completed', `"pid":${busy1?.pid}`);
    await forwarded('task completed', `"pid":${busy2?.pid}`);

    // A worker that dies is replaced.
    process.kill(busy1?.pid ?? 0, 'SIGKILL');
    await until(() => readyCount() === 4);
    expect(await actuator.currentReplicas('default')).toBe(2);
    expect(actuator.describe('default').map((w) => w.pid)).not.toContain(busy1?.pid);

    // Scale in while a task runs: SIGTERM lets it finish.
    const [first] = actuator.describe('default');
    process.kill(first?.pid ?? 0, 'SIGUSR2');
    await until(() => actuator.describe('default').some((w) => w.running === 1));
    await actuator.close();
    await forwarded('task completed', `"pid":${first?.pid}`);
    expect(lines.filter((line) => line.includes('"msg":"stopped"'))).toHaveLength(3);
  });
});
