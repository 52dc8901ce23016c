import { randomUUID } from 'node:crypto';
import { loadLuaScript, type RedisClient } from '@agentq/queue';
import { RateLimitedError } from '../errors.js';

/** How long a held slot lives unless renewed: a worker that dies frees its slots this soon. */
const LEASE_MS = 30_000;
/** Wait suggested to a call that found every slot taken. */
const FULL_RETRY_MS = 250;

/** Leased slots in a sorted set per scope (`lua/llm-slot-*.lua`). */
const ACQUIRE = loadLuaScript<number>('llm-slot-acquire');
const RENEW = loadLuaScript('llm-slot-renew');

/** Slots held for one call; release them once, when it ends. */
export interface HeldSlots {
  release(): Promise<void>;
}

const NO_SLOTS: HeldSlots = { release: () => Promise.resolve() };

/**
 * At most N calls at once to a provider (or one of its models), over every worker: each
 * call holds a leased slot in Redis, renewed while it runs, so the slots of a worker that
 * died come free within the lease.
 */
export class ConcurrencyLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /**
   * Takes one slot of each scope (provider, provider+model) that has a limit, or none and
   * throws RateLimitedError while one is full.
   */
  async acquire(
    scopes: readonly { name: string; limit: number | undefined }[],
  ): Promise<HeldSlots> {
    const held: { key: string; token: string }[] = [];
    const releaseAll = async () => {
      await Promise.all(held.map(({ key, token }) => this.redis.zrem(key, token)));
    };
    for (const { name, limit } of scopes) {
      if (!limit) continue;
      const key = `${this.prefix}:llm:inflight:${name}`;
      const token = randomUUID();
      const taken = await ACQUIRE.run(this.redis, [key], [limit, LEASE_MS, token]);
      if (taken !== 1) {
        await releaseAll();
        throw new RateLimitedError(`${name} has ${limit} LLM calls running`, FULL_RETRY_MS, {
          reason: 'concurrency',
        });
      }
      held.push({ key, token });
    }
    if (held.length === 0) return NO_SLOTS;
    const renewal = setInterval(() => {
      for (const { key, token } of held) {
        // A missed renewal only shortens the lease; the next one restores it.
        RENEW.run(this.redis, [key], [LEASE_MS, token]).catch(() => undefined);
      }
    }, LEASE_MS / 3);
    renewal.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renewal);
        await releaseAll();
      },
    };
  }
}
