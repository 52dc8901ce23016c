import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createRedis, createTaskQueue } from '@agentq/queue';
import { Queue } from 'bullmq';
import { queueName } from '@agentq/contracts';
import { REDIS_URL, ROOT } from '../helpers/app-process.js';
import { deletePrefix } from '../helpers/redis-keys.js';

/*
 * The worker's `keys:move-pools` command, as an operator runs it: it refuses while agentq
 * apps are connected, and with --force moves a pool's tasks under the hash-tagged prefix to
 * the pool's own slot, where the apps look for them.
 */
const run = promisify(execFile);
const COMMAND = path.join(ROOT, 'apps', 'worker', 'dist', 'move-pool-keys.js');
const prefix = `{move-${randomUUID().slice(0, 8)}}`;
// Open while the command runs: an app of this deployment, as far as the command can tell.
const appConnection = createRedis(REDIS_URL, 'worker', 'agentq-worker:still-running');

afterAll(async () => {
  await deletePrefix(prefix);
  await appConnection.quit();
});

function movePools(...args: string[]) {
  return run(process.execPath, [COMMAND, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL,
      AGENTQ_PREFIX: prefix,
      AGENTQ_POOLS: 'default',
    },
  });
}

it('refuses while apps are connected, and moves the pools with --force', async () => {
  await appConnection.ping();
  const old = new Queue(queueName('default'), { connection: appConnection, prefix });
  await old.add('echo', { n: 1 }, { jobId: 'queued-before' });
  await old.close();

  const refused = await movePools().catch((error: { code: number; stderr: string }) => error);
  expect(refused).toMatchObject({ code: 1 });
  expect((refused as { stderr: string }).stderr).toMatch(/stop every gateway, worker and scaler/);

  const { stdout } = await movePools('--force');
  expect(stdout).toMatch(/^default: \d+ keys moved, 0 tenant-cap entries renamed$/m);
  const moved = createTaskQueue('default', { connection: appConnection, prefix });
  try {
    expect(await moved.getJobState('queued-before')).toBe('waiting');
  } finally {
    await moved.close();
  }
});

it('names a bad option and exits 2', async () => {
  const failed = await movePools('--dry').catch((error: { code: number; stderr: string }) => error);
  expect(failed).toMatchObject({ code: 2 });
  expect((failed as { stderr: string }).stderr).toMatch(/--dry[\s\S]*usage: keys:move-pools/);
});
