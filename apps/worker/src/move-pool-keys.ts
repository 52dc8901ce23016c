// `pnpm --filter @agentq/worker keys:move-pools [--force]`: with every gateway, worker and
// scaler stopped, moves each pool's keys (AGENTQ_POOLS) under a hash-tagged prefix to the
// pool's own slot, the layout the apps use from this version on (docs/redis.md). Reads the
// apps' Redis variables; run it again if it stops half way.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PoolNameSchema } from '@agentq/contracts';
import {
  closeRedis,
  commaList,
  createRedis,
  loadConfigOrExit,
  movePoolKeys,
  parseEnv,
  readClientList,
  redisTargetFromEnv,
  sharedEnvShape,
} from '@agentq/queue';

const USAGE = 'usage: keys:move-pools [--force]  (--force: even with agentq apps connected)';

/** Connection names the apps give themselves (gateway, worker, scaler). */
const APP_CONNECTION = / name=agentq-(gateway|worker|scaler)\S*/;

const configSchema = z
  .object({ ...sharedEnvShape, AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']) })
  .transform((env, ctx) => ({
    redis: redisTargetFromEnv(env, ctx),
    prefix: env.AGENTQ_PREFIX,
    pools: env.AGENTQ_POOLS,
  }));

async function main(): Promise<number> {
  let force: boolean | undefined;
  try {
    ({
      values: { force },
    } = parseArgs({ options: { force: { type: 'boolean' } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfigOrExit(
    'keys:move-pools',
    (env) => parseEnv(configSchema, env),
    process.env,
  );
  const redis = createRedis(config.redis, 'worker', 'agentq-key-move');
  try {
    const connected = (await readClientList(redis)).split('\n').filter((line) => {
      return APP_CONNECTION.test(line);
    });
    if (connected.length > 0 && !force) {
      process.stderr.write(
        `${connected.length} agentq connections are open: stop every gateway, worker and scaler first (or --force if they belong to another deployment)\n`,
      );
      return 1;
    }
    for (const move of await movePoolKeys(redis, config.prefix, config.pools)) {
      process.stdout.write(
        `${move.pool}: ${move.keys} keys moved, ${move.members} tenant-cap entries renamed\n`,
      );
    }
    return 0;
  } finally {
    await closeRedis(redis);
  }
}

process.exitCode = await main();
