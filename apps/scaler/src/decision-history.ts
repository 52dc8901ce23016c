import type { ChainableCommander } from 'ioredis';
import type { PoolName } from '@agentq/contracts';
import { loadLuaScript, type RedisClient } from '@agentq/queue';
import type { DecisionRecord } from './decision-store.js';

export interface DecisionHistoryOptions {
  /** How long a kept decision stays (AGENTQ_SCALER_HISTORY_MS). */
  retentionMs: number;
  /** Most decisions kept per stream, whatever their age (AGENTQ_SCALER_HISTORY_MAX). */
  maxEntries: number;
}

/** One page of the history, newest first; `next` continues it (null: nothing older). */
export interface HistoryPage {
  decisions: DecisionRecord[];
  next: string | null;
}

/** Appends a decision and trims its stream (`lua/history-append.lua`). */
const APPEND = loadLuaScript('history-append');

/**
 * The decisions worth answering "why did it scale at 3 am" with: those that changed the
 * count (a no-change tick every interval would push them out). Two Redis streams, one of
 * every pool and one per pool, so a page of one pool is as cheap as a page of all:
 * - `<prefix>:scaler:history` and `<prefix>:scaler:history:<pool>`;
 * - each trimmed to `maxEntries` and to `retentionMs` when written, and read no further back
 *   than `retentionMs` on this process' clock (a quiet scaler writes nothing that would trim).
 * Entry ids are Redis' clock, so they order the decisions of successive leaders too.
 */
export class DecisionHistory {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly options: DecisionHistoryOptions,
    private readonly now: () => number = Date.now,
  ) {
    // Before any MULTI of this connection is made, whose `append` runs it.
    APPEND.defineOn(redis);
  }

  private key(pool?: PoolName): string {
    return pool === undefined
      ? `${this.prefix}:scaler:history`
      : `${this.prefix}:scaler:history:${pool}`;
  }

  /** Whether the record belongs in the history. */
  keeps(record: DecisionRecord): boolean {
    return record.direction !== 'none';
  }

  /** Queues the writes for a kept record on `multi` (the caller's transaction). */
  append(multi: ChainableCommander, record: DecisionRecord): void {
    if (!this.keeps(record)) return;
    const { maxEntries, retentionMs } = this.options;
    const value = JSON.stringify(record);
    for (const key of [this.key(), this.key(record.pool)]) {
      APPEND.queue(multi, [key], [maxEntries, retentionMs, value]);
    }
  }

  /** Up to `limit` kept decisions (of one pool, or of all) older than the cursor. */
  async page(query: { pool?: PoolName; before?: string; limit: number }): Promise<HistoryPage> {
    const oldest = `${Math.max(0, this.now() - this.options.retentionMs)}-0`;
    const end = query.before === undefined ? '+' : `(${query.before}`;
    // One more than asked: whether another page follows.
    const entries = await this.redis.xrevrange(
      this.key(query.pool),
      end,
      oldest,
      'COUNT',
      query.limit + 1,
    );
    const page = entries.slice(0, query.limit);
    const decisions = page.map(([, fields]) => JSON.parse(fields[1] ?? 'null') as DecisionRecord);
    const next = entries.length > query.limit ? (page.at(-1)?.[0] ?? null) : null;
    return { decisions, next };
  }
}
