import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { loadLuaScript, type RedisClient } from '@agentq/queue';

export interface LeaderLeaseOptions {
  redis: RedisClient;
  /** Redis key of the lease; `<key>:fence` counts acquisitions. */
  key: string;
  /** Lease time; renewed every third of it. */
  ttlMs: number;
  logger: Logger;
  /** Called on every change of leadership. */
  onChange?: (leader: boolean) => void;
}

// Compare-and-renew, compare-and-check, compare-and-delete (`lua/lease-*.lua`).
const RENEW = loadLuaScript<number>('lease-renew');
const CONFIRM = loadLuaScript<number>('lease-confirm');
const RELEASE = loadLuaScript<number>('lease-release');

/**
 * Leader election with a Redis lease: `SET key <holder> NX PX ttl`, renewed every ttl/3
 * by a compare-and-extend script, released on close by compare-and-delete. Each
 * acquisition takes a fencing token (INCR `<key>:fence`), logged and published with
 * every decision. A holder that cannot renew within the ttl steps down by itself, so two
 * scalers never act at once for longer than a renewal round trip; when the leader dies,
 * another takes over within one ttl.
 */
export class LeaderLease {
  readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private leader = false;
  private token: number | undefined;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: LeaderLeaseOptions) {}

  isLeader(): boolean {
    // Without a renewal within the ttl the lease may have passed to someone else.
    if (this.leader && Date.now() - this.renewedAt >= this.options.ttlMs) this.setLeader(false);
    return this.leader;
  }

  /** Fencing token of the current leadership (undefined when not leader). */
  fencingToken(): number | undefined {
    return this.leader ? this.token : undefined;
  }

  /**
   * Asks Redis, just before acting, whether this holder still owns the lease under the
   * latest fencing token; steps down if not. Covers a leader paused (GC, a slow tick)
   * past its ttl while another took over: it does not act on a stale decision.
   */
  async confirm(): Promise<boolean> {
    if (!this.isLeader() || this.token === undefined) return false;
    const { redis, key } = this.options;
    const owned = await CONFIRM.run(redis, [key, `${key}:fence`], [this.holder, this.token]);
    if (owned !== 1) this.setLeader(false);
    return this.leader;
  }

  /** Tries once at once, then every ttl/3. */
  async start(): Promise<void> {
    await this.round();
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.current;
    if (this.leader) {
      await RELEASE.run(this.options.redis, [this.options.key], [this.holder]).catch(() => 0);
      this.setLeader(false);
    }
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(
      () => {
        this.current = this.round().finally(() => this.schedule());
      },
      Math.max(100, Math.floor(this.options.ttlMs / 3)),
    );
  }

  private async round(): Promise<void> {
    const { redis, key, ttlMs, logger } = this.options;
    const startedAt = Date.now();
    try {
      if (this.leader) {
        const renewed = await RENEW.run(redis, [key], [this.holder, ttlMs]);
        if (renewed === 1) this.renewedAt = startedAt;
        else this.setLeader(false);
      } else {
        const acquired = await redis.set(key, this.holder, 'PX', ttlMs, 'NX');
        if (acquired === 'OK') {
          this.token = await redis.incr(`${key}:fence`);
          this.renewedAt = startedAt;
          this.setLeader(true);
        }
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'leader lease round failed');
      this.isLeader();
    }
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.options.logger.info(
      { holder: this.holder, fencingToken: this.token },
      leader ? 'leadership acquired' : 'leadership lost',
    );
    this.options.onChange?.(leader);
  }
}
