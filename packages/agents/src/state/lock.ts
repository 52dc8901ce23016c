import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadLuaScript, type RedisClient } from '@agentq/queue';
import { TransientError } from '../errors.js';

// Release and renew only while the key still holds our token (`lua/lease-*.lua`).
const RELEASE = loadLuaScript<number>('lease-release');
const RENEW = loadLuaScript<number>('lease-renew');

export interface LockOptions {
  /**
   * How long to wait for a busy lock before failing with a TransientError.
   * @defaultValue 30000
   */
  waitMs?: number;
  /**
   * Stops waiting (and aborts `HeldLock.signal`) when aborted; aborted before the lock is
   * taken, the section does not run and the lock is released.
   */
  signal?: AbortSignal;
}

/** Given to the critical section. */
export interface HeldLock {
  /** The fencing token stored in the lock key. */
  token: string;
  /** Aborted if the lock is lost (renewal failed for a whole TTL, or another holder took it). */
  signal: AbortSignal;
}

async function acquire(
  redis: RedisClient,
  key: string,
  token: string,
  ttlMs: number,
  options: LockOptions,
): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  let delayMs = 10;
  for (;;) {
    if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') return;
    const leftMs = deadline - Date.now();
    if (leftMs <= 0) throw new TransientError(`lock "${key}" is busy`);
    // Poll with growing, jittered delays (bounded by the holder's remaining TTL), so
    // waiters neither hammer Redis nor march in step.
    const pttl = await redis.pttl(key);
    const waitMs = Math.min(leftMs, pttl > 0 ? pttl : delayMs, delayMs * (0.5 + Math.random()));
    await sleep(Math.max(1, waitMs), undefined, { signal: options.signal }).catch(
      (error: unknown) => {
        throw options.signal?.aborted ? options.signal.reason : error;
      },
    );
    delayMs = Math.min(delayMs * 2, 200);
  }
}

/**
 * Runs `fn` while holding a Redis lock: one holder at a time across all processes. The lock
 * is renewed every ttl/3 while `fn` runs, released when it settles (error included), and
 * expires on its own after `ttlMs` if the holder dies.
 */
export async function withLock<T>(
  redis: RedisClient,
  key: string,
  ttlMs: number,
  fn: (lock: HeldLock) => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const token = randomUUID();
  options.signal?.throwIfAborted();
  await acquire(redis, key, token, ttlMs, options);
  // Aborted while the SET was on its way: the section never runs, and the lock goes now
  // (the abort listener below would never hear an abort that already happened).
  if (options.signal?.aborted) {
    await RELEASE.run(redis, [key], [token]).catch(() => undefined);
    throw options.signal.reason;
  }

  const lost = new AbortController();
  const onAbort = () => lost.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let renewedAt = Date.now();
  const renew = async () => {
    try {
      const kept = await RENEW.run(redis, [key], [token, ttlMs]);
      if (kept === 1) renewedAt = Date.now();
      else lost.abort(new TransientError(`lock "${key}" was lost`));
    } catch (error) {
      // Redis may be back before the TTL ends; only a whole TTL without renewal loses it.
      if (Date.now() - renewedAt >= ttlMs) {
        lost.abort(new TransientError(`lock "${key}" could not be renewed`, { cause: error }));
      }
    }
  };
  const timer = setInterval(() => void renew(), Math.max(1, Math.floor(ttlMs / 3)));
  const stop = () => {
    clearInterval(timer);
    options.signal?.removeEventListener('abort', onAbort);
    return RELEASE.run(redis, [key], [token]);
  };
  let result: T;
  try {
    result = await fn({ token, signal: lost.signal });
  } catch (error) {
    // The section's own failure is what the caller needs; a failed release only means the
    // lock lives until its TTL.
    await stop().catch(() => undefined);
    throw error;
  }
  await stop();
  // The section finished, but not alone: report it rather than pretend it was exclusive.
  lost.signal.throwIfAborted();
  return result;
}
