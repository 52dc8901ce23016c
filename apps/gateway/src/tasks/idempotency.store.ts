import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import { RedisScript } from '../http/redis-script.js';
import { longestRetentionSeconds } from './retention.js';

/** What a claim found: the key is new (this request enqueues), a repeat, or a different body. */
export type ClaimOutcome = 'new' | 'repeat' | 'conflict';

export interface ClaimRequest {
  taskId: string;
  hash: string;
}

/**
 * Lua: `checkClaims(keys, hashes)` answers per key `n` (new), `r` (a repeat: the same hash
 * was stored) or `c` (conflict: another hash), without writing; an earlier key in the list
 * wins over a later one with the same key. `commitClaims(keys, hashes, outcomes, ttl)` then
 * stores the new ones. Split so a caller can refuse for other reasons in between and leave
 * nothing behind.
 */
export const CLAIMS_LUA = `
local function checkClaims(keys, hashes)
  local seen = {}
  local outcomes = {}
  for i = 1, #keys do
    local previous = seen[keys[i]]
    if previous == nil then previous = redis.call('GET', keys[i]) end
    if not previous then
      outcomes[i] = 'n'
      seen[keys[i]] = hashes[i]
    elseif previous == hashes[i] then
      outcomes[i] = 'r'
    else
      outcomes[i] = 'c'
    end
  end
  return outcomes
end
local function commitClaims(keys, hashes, outcomes, ttl)
  for i = 1, #keys do
    if outcomes[i] == 'n' then redis.call('SET', keys[i], hashes[i], 'EX', ttl) end
  end
end
`;

const CLAIM = new RedisScript(`${CLAIMS_LUA}
local outcomes = checkClaims(KEYS, ARGV)
commitClaims(KEYS, ARGV, outcomes, tonumber(ARGV[#ARGV]))
return table.concat(outcomes)
`);

/** `checkClaims`' answers as letters, one per claim. */
const OUTCOMES: Record<string, ClaimOutcome> = { n: 'new', r: 'repeat', c: 'conflict' };

export function toClaimOutcomes(letters: string): ClaimOutcome[] {
  return [...letters].map((letter) => OUTCOMES[letter] ?? 'conflict');
}

/**
 * Records which spec an idempotency key was first used with, atomically, so of two
 * concurrent submits with one key exactly one sees `new` and enqueues. Records live as long
 * as the task they stand for: its delay, then the longest retention.
 */
@Injectable()
export class IdempotencyStore {
  private readonly retentionSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.retentionSeconds = longestRetentionSeconds(config.retention);
  }

  /**
   * How long a claim is kept whose task (or latest task, for a batch) starts `delayMs` after
   * the submit. A claim that expired before its task ran would let the key be used with
   * another body: answered 201, but not queued (the task id is taken), the body lost.
   */
  ttlSeconds(delayMs: number): number {
    return Math.ceil(delayMs / 1000) + this.retentionSeconds;
  }

  /** The key holding the claim of a task (or workflow) id. */
  keyOf(taskId: string): string {
    return gatewayKeys.idempotency(this.config.prefix, taskId);
  }

  /**
   * Claims every key in one round trip; earlier items win over later ones with the same key.
   * For workflows, whose steps are never delayed (tasks claim in the submit gate).
   */
  async claim(requests: readonly ClaimRequest[]): Promise<ClaimOutcome[]> {
    if (requests.length === 0) return [];
    const keys = requests.map(({ taskId }) => this.keyOf(taskId));
    // The TTL rides as the last argument: checkClaims reads only as many hashes as keys.
    const args = [...requests.map(({ hash }) => hash), String(this.ttlSeconds(0))];
    return toClaimOutcomes((await CLAIM.run(this.redis, keys, args)) as string);
  }

  /** Forgets claims whose tasks were not enqueued after all, so the key can be used again. */
  async release(taskIds: readonly string[]): Promise<void> {
    if (taskIds.length === 0) return;
    await this.redis.del(...taskIds.map((id) => this.keyOf(id)));
  }
}
