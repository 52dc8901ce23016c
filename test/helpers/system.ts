import { setTimeout as sleep } from 'node:timers/promises';
import { AppProcess } from './app-process.js';

/** Admission limits too high to refuse a load test's tasks (429 is not what these tests probe). */
const NO_ADMISSION_LIMIT = {
  AGENTQ_GATEWAY_MAX_BACKLOG_HIGH: '1000000',
  AGENTQ_GATEWAY_MAX_BACKLOG_NORMAL: '1000000',
  AGENTQ_GATEWAY_MAX_BACKLOG_LOW: '1000000',
};

/**
 * Shorter locks than the `short` profile's (6 s lock, 2 s check), so a test that kills
 * workers many times waits about 2–3 s for each takeover.
 */
export const FAST_TAKEOVER = {
  AGENTQ_WORKER_LOCK_DURATION_MS: '2000',
  AGENTQ_WORKER_STALLED_INTERVAL_MS: '1000',
};

/** Starts a gateway process on loopback (port 0: any free one); resolves once it serves. */
export async function startGateway(
  env: Record<string, string>,
  port = 0,
): Promise<{ app: AppProcess; url: string }> {
  const app = AppProcess.app('gateway', {
    ...NO_ADMISSION_LIMIT,
    AGENTQ_LOG_LEVEL: 'info',
    ...env,
    PORT: String(port),
    AGENTQ_GATEWAY_HOST: '127.0.0.1',
  });
  const ready = await app.waitForMessage('ready');
  return { app, url: String(ready.url) };
}

/** Starts a worker process; resolves once it takes tasks. */
export async function startWorker(env: Record<string, string>): Promise<AppProcess> {
  const worker = AppProcess.app('worker', env);
  await worker.waitForMessage('ready');
  return worker;
}

/** An environment variable as a positive integer, for sizes a manual run may raise. */
export function sizeFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Whether a process that is not our child (a scaler's worker) still runs. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks every `everyMs` until `check` holds, for what has no event to await (a process that
 * is not our child, a status read over HTTP); rejects after `timeoutMs`, so a failed test
 * does not leave the loop running.
 */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 45_000, everyMs = 100 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
