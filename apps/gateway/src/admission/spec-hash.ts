import { createHash } from 'node:crypto';
import type { TaskSpec } from '@agentq/contracts';

/** JSON with object keys sorted, so equal values give equal text whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Fingerprint of a value, key order ignored. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

/**
 * Fingerprint of a parsed spec (defaults applied, key order ignored), used to tell a
 * repeated submit from a different body under the same idempotency key.
 */
export function specHash(spec: TaskSpec): string {
  return contentHash({ ...spec, idempotencyKey: undefined });
}
