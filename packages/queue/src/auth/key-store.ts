import { hash } from 'node:crypto';
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

/**
 * The configured API keys, by the sha256 of the key. A presented key is hashed and looked up
 * by its digest: how long the lookup takes depends on that digest, which a caller cannot
 * steer toward a stored one without the key itself (a preimage), so timing tells nothing
 * about which keys exist, and the cost does not grow with the number of keys.
 */
export class ApiKeyStore {
  private readonly byDigest: ReadonlyMap<string, Principal>;

  constructor(entries: readonly ApiKeyEntry[]) {
    const byDigest = new Map<string, Principal>();
    for (const entry of entries) {
      const hex = entry.hash.slice('sha256:'.length);
      // A key listed twice acts as its first line says.
      if (byDigest.has(hex)) continue;
      byDigest.set(hex, {
        keyId: entry.name ?? hex.slice(0, 12),
        tenant: entry.tenant,
        scopes: new Set(entry.scopes),
        rateLimit: entry.rateLimit,
        taskRateLimit: entry.taskRateLimit,
      });
    }
    this.byDigest = byDigest;
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The key's principal, or undefined for an unknown key. */
  authenticate(presented: string): Principal | undefined {
    return this.byDigest.get(hash('sha256', presented, 'hex'));
  }
}
