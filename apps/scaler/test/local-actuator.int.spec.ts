import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { LocalActuator } from '../src/actuators/local.actuator.js';
import { ScalerMetrics } from '../src/metrics.js';

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

/** Tasks running by worker name, as readBusyWorkers would read them from BullMQ. */
let busy: Map<string, number> | undefined = new Map();
const metrics = new ScalerMetrics();

const actuator = new LocalActuator({
  pools: ['default'],
  workerScript: path.join(here, 'fixtures', 'fake-worker.mjs'),
  env: { PATH: process.env.PATH, FAKE_TASK_MS: '400', AGENTQ_LOG_LEVEL: 'warn' },
  concurrency: 7,
  workerLogLevel: 'debug',
  busyWorkers: () => Promise.resolve(busy),
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
  metrics,
  logger: pino({ level: 'silent' }),
});

afterAll(() => actuator.close());

describe(LocalActuator.name, () => {
  it('starts named workers, stops idle ones first, restarts a crashed one and drains on close', async () => {
    await actuator.start();
    await actuator.setReplicas('default', 3);
    expect(await actuator.currentReplicas('default')).toBe(3);
    await whenLines((all) => count('"msg":"ready"')(all) === 3);
    const workers = await actuator.describe('default');
    // Each worker gets its own BullMQ name, the concurrency and the log level.
    expect(new Set(workers.map((w) => w.name)).size).toBe(3);
    for (const worker of workers) {
      await forwarded('"msg":"ready"', `"name":"${worker.name}"`, '"concurrency":"7"');
    }
    expect(lines[0]).toContain('"logLevel":"debug"');

    // The youngest two get a task (BullMQ names them as processedBy); the oldest stays idle
    // and is the one stopped, although the youngest would go first if all were idle.
    const [idle, busy1, busy2] = workers;
    busy = new Map([
      [busy1?.name ?? '', 1],
      [busy2?.name ?? '', 1],
    ]);
    process.kill(busy1?.pid ?? 0, 'SIGUSR2');
    process.kill(busy2?.pid ?? 0, 'SIGUSR2');
    await forwarded('task started', `"pid":${busy1?.pid}`);
    await forwarded('task started', `"pid":${busy2?.pid}`);
    expect((await actuator.describe('default')).map((w) => w.running)).toEqual([0, 1, 1]);
    await actuator.setReplicas('default', 2);
    expect(await actuator.currentReplicas('default')).toBe(2);
    await forwarded('"msg":"stopped"', `"pid":${idle?.pid}`);
    // The busy ones were not touched: their tasks complete.
    await forwarded('task completed', `"pid":${busy1?.pid}`);
    await forwarded('task completed', `"pid":${busy2?.pid}`);
    busy = new Map();

    // A worker that dies is replaced.
    process.kill(busy1?.pid ?? 0, 'SIGKILL');
    await whenLines((all) => count('"msg":"ready"')(all) === 4);
    expect(await actuator.currentReplicas('default')).toBe(2);
    expect((await actuator.describe('default')).map((w) => w.pid)).not.toContain(busy1?.pid);
    expect((await metrics.workerCrashes.get()).values).toEqual([
      { labels: { pool: 'default' }, value: 1 },
    ]);
    expect((await metrics.workerRestarts.get()).values).toEqual([
      { labels: { pool: 'default' }, value: 1 },
    ]);

    // When who is busy cannot be told, /status says so.
    busy = undefined;
    expect((await actuator.describe('default')).map((w) => w.running)).toEqual([
      undefined,
      undefined,
    ]);

    // Scale in while a task runs: SIGTERM lets it finish.
    const [first] = await actuator.describe('default');
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
      workerLogLevel: 'info',
      busyWorkers: () => Promise.resolve(undefined),
      restartBackoffMs: 50,
      forward: null,
      closeTimeoutMs: 1000,
      metrics,
      logger: pino({ level: 'silent' }),
    });
    await expect(missing.start()).rejects.toThrow(/no-such-worker\.mjs not found/);
  });
});
