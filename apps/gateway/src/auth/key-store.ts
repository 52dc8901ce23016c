import { createHash, timingSafeEqual } from 'node:crypto';
import type { Scope } from '@agentq/contracts';
import type { ApiKeyEntry, RateLimit } from './api-key.js';

/** Who a request acts as, once its key is known. */
export interface Principal {
  /** Names the key in logs and rate-limit keys; never the key itself. */
  keyId: string;
  tenant: string;
  scopes: ReadonlySet<Scope>;
  rateLimit: RateLimit | undefined;
  taskRateLimit: RateLimit | undefined;
}

interface StoredKey {
  digest: Buffer;
  principal: Principal;
}

/**
 * The configured API keys, by hash. A presented key is hashed and compared with every
 * stored hash in constant time (no early exit), so timing says nothing about which keys
 * exist.
 */
export class ApiKeyStore {
  private readonly keys: StoredKey[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.keys = entries.map((entry) => {
      const hex = entry.hash.slice('sha256:'.length);
      return {
        digest: Buffer.from(hex, 'hex'),
        principal: {
          keyId: entry.name ?? hex.slice(0, 12),
          tenant: entry.tenant,
          scopes: new Set(entry.scopes),
          rateLimit: entry.rateLimit,
          taskRateLimit: entry.taskRateLimit,
        },
      };
    });
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key's principal, or undefined for an unknown key. */
  authenticate(presented: string): Principal | undefined {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: Principal | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, digest) && found === undefined) found = key.principal;
    }
    return found;
  }
}
