import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { LocalActuator } from '../src/actuators/local.actuator.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const lines: string[] = [];
const waiters = new Set<{ done: () => boolean; resolve: () => void }>();

/** Resolves once the forwarded worker lines satisfy the check (checked on every line). */
function whenLines(check: (all: string[]) => boolean): Promise<void> {
  if (check(lines)) return Promise.resolve();
  return new Promise((resolve) => waiters.add({ done: () => check(lines), resolve }));
}

const count =
  (...parts: string[]) =>
  (all: string[]) =>
    all.filter((line) => parts.every((part) => line.includes(part))).length;
const forwarded = (...parts: string[]) => whenLines((all) => count(...parts)(all) > 0);

const actuator = new LocalActuator({
  pools: ['default'],
  workerScript: path.join(here, 'fixtures', 'fake-worker.mjs'),
  env: { PATH: process.env.PATH, FAKE_TASK_MS: '400' },
  concurrency: 7,
  restartBackoffMs: 50,
  forward: {
    // Debug too, so the test sees "task started" (the actuator counts it either way).
    minLevel: 20,
    write: (line) => {
      lines.push(line);
      for (const waiter of waiters) {
        if (waiter.done()) {
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

describe(LocalActuator.name, () => {
  it('starts workers, stops idle ones first, restarts a crashed one and drains on close', async () => {
    await actuator.start();
    await actuator.setReplicas('default', 3);
    expect(await actuator.currentReplicas('default')).toBe(3);
    await whenLines((all) => count('"msg":"ready"')(all) === 3);
    expect(lines[0]).toContain('"concurrency":"7"');

    // Two workers get a task; the third stays idle and is the one stopped.
    const [busy1, busy2, idle] = actuator.describe('default');
    process.kill(busy1?.pid ?? 0, 'SIGUSR2');
    process.kill(busy2?.pid ?? 0, 'SIGUSR2');
    await forwarded('task started', `"pid":${busy1?.pid}`);
    await forwarded('task started', `"pid":${busy2?.pid}`);
    expect(actuator.describe('default').map((w) => w.running)).toEqual([1, 1, 0]);
    await actuator.setReplicas('default', 2);
    expect(await actuator.currentReplicas('default')).toBe(2);
    await forwarded('"msg":"stopped"', `"pid":${idle?.pid}`);
    // The busy ones were not touched: their tasks complete.
    await forwarded('task completed', `"pid":${busy1?.pid}`);
    await forwarded('task completed', `"pid":${busy2?.pid}`);

    // A worker that dies is replaced.
    process.kill(busy1?.pid ?? 0, 'SIGKILL');
    await whenLines((all) => count('"msg":"ready"')(all) === 4);
    expect(await actuator.currentReplicas('default')).toBe(2);
    expect(actuator.describe('default').map((w) => w.pid)).not.toContain(busy1?.pid);

    // Scale in while a task runs: SIGTERM lets it finish.
    const [first] = actuator.describe('default');
    process.kill(first?.pid ?? 0, 'SIGUSR2');
    await whenLines((all) => count('task started')(all) === 3);
    await actuator.close();
    await forwarded('task completed', `"pid":${first?.pid}`);
    expect(lines.filter((line) => line.includes('"msg":"stopped"'))).toHaveLength(3);
  });

  it('refuses to start without a worker script', async () => {
    const missing = new LocalActuator({
      pools: ['default'],
      workerScript: path.join(here, 'fixtures', 'no-such-worker.mjs'),
      env: {},
      concurrency: 1,
      restartBackoffMs: 50,
      forward: null,
      closeTimeoutMs: 1000,
      logger: pino({ level: 'silent' }),
    });
    await expect(missing.start()).rejects.toThrow(/no-such-worker\.mjs not found/);
  });
});
