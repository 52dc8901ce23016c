import type { RedisClient } from '@agentq/queue';
import { withLock, type HeldLock, type LockOptions } from './lock.js';

/** Shared state of one tenant in Redis: visible to every worker, never to other tenants. */
export interface AgentState {
  /** The value stored under `key` (JSON), or undefined. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON value, for `ttlMs` when given. */
  set(key: string, value: unknown, options?: { ttlMs?: number }): Promise<void>;
  /** Deletes a key; true if it existed. */
  del(key: string): Promise<boolean>;
  /** Adds `by` (default 1) to an integer counter and returns the new value. */
  incr(key: string, by?: number): Promise<number>;
  /** Adds members to a set; returns how many were new. */
  sadd(key: string, ...members: string[]): Promise<number>;
  /** The members of a set (unordered). */
  smembers(key: string): Promise<string[]>;
  /** Runs `fn` under a lock named `name`, held by one task at a time across all workers. */
  withLock<T>(
    name: string,
    ttlMs: number,
    fn: (lock: HeldLock) => Promise<T>,
    options?: LockOptions,
  ): Promise<T>;
}

/** Key layout: `${prefix}:state:${tenant}:kv:${key}` and `...:lock:${name}`. */
export class RedisAgentState implements AgentState {
  private readonly base: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    tenant: string,
  ) {
    // Encoded so a tenant containing ':' cannot reach into another tenant's keys.
    this.base = `${prefix}:state:${encodeURIComponent(tenant)}`;
  }

  private key(key: string): string {
    return `${this.base}:kv:${key}`;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.key(key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(key: string, value: unknown, options: { ttlMs?: number } = {}): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`state value of "${key}" is not JSON`);
    if (options.ttlMs === undefined) await this.redis.set(this.key(key), json);
    else await this.redis.set(this.key(key), json, 'PX', options.ttlMs);
  }

  async del(key: string): Promise<boolean> {
    return (await this.redis.del(this.key(key))) > 0;
  }

  incr(key: string, by = 1): Promise<number> {
    return this.redis.incrby(this.key(key), by);
  }

  sadd(key: string, ...members: string[]): Promise<number> {
    return members.length === 0 ? Promise.resolve(0) : this.redis.sadd(this.key(key), ...members);
  }

  smembers(key: string): Promise<string[]> {
    return this.redis.smembers(this.key(key));
  }

  withLock<T>(
    name: string,
    ttlMs: number,
    fn: (lock: HeldLock) => Promise<T>,
    options?: LockOptions,
  ): Promise<T> {
    return withLock(this.redis, `${this.base}:lock:${name}`, ttlMs, fn, options);
  }
}
