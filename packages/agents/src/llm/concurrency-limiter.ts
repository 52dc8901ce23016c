import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../errors.js';

/** How long a held slot lives unless renewed: a worker that dies frees its slots this soon. */
const LEASE_MS = 30_000;
/** Wait suggested to a call that found every slot taken. */
const FULL_RETRY_MS = 250;

// KEYS[1]: a sorted set of slot tokens scored by lease expiry (Redis clock). ARGV: limit,
// lease ms, token. Expired leases (their worker died) are dropped first.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 0
`;

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
    private readonly redis: Redis,
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
      const taken = await this.redis.eval(ACQUIRE, 1, key, limit, LEASE_MS, token);
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
        this.redis.eval(RENEW, 1, key, LEASE_MS, token).catch(() => undefined);
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
