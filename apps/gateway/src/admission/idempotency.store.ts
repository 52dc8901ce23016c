import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { longestRetentionSeconds } from './retention.js';
import type { GateCall } from './gate-call.js';

/** What a claim found: the key is new (this request enqueues), a repeat, or a different body. */
export type ClaimOutcome = 'new' | 'repeat' | 'conflict';

/** One idempotency claim of a submit: the task (or workflow) id its key names, its spec's hash. */
export interface Claim {
  id: string;
  hash: string;
}

/** The gate's idempotency step (`lua/includes/claims.lua`): claim keys by number, hashes, TTL. */
export interface ClaimsArgs {
  keys: number[];
  hashes: string[];
  ttl: number;
}

/** `checkClaims`' answers as letters, one per claim. */
const OUTCOMES: Record<string, ClaimOutcome> = { n: 'new', r: 'repeat', c: 'conflict' };

export function toClaimOutcomes(letters: string): ClaimOutcome[] {
  return [...letters].map((letter) => OUTCOMES[letter] ?? 'conflict');
}

/**
 * Records which spec an idempotency key was first used with, in the submit gate, so of two
 * concurrent submits with one key exactly one sees `new` and enqueues. Records live as long
 * as the task they stand for: its delay, then the longest retention.
 */
@Injectable()
export class IdempotencyStore {
  private readonly retentionSeconds: number;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.retentionSeconds = longestRetentionSeconds(config.retention);
  }

  /**
   * The gate's arguments for a submit's claims; `delayMs`: when its latest keyed task starts.
   * A claim that expired before its task ran would let the key be used with another body:
   * answered 201, but not queued (the task id is taken), the body lost.
   */
  args(call: GateCall, claims: readonly Claim[], delayMs: number): ClaimsArgs {
    return {
      keys: claims.map(({ id }) => call.key(gatewayKeys.idempotency(this.config.prefix, id))),
      hashes: claims.map(({ hash }) => hash),
      ttl: this.ttlSeconds(delayMs),
    };
  }

  /** How long the claims of a submit whose latest keyed task starts after `delayMs` last. */
  ttlSeconds(delayMs: number): number {
    return Math.ceil(delayMs / 1000) + this.retentionSeconds;
  }
}
