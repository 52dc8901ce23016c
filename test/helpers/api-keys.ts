import { createHash, randomBytes } from 'node:crypto';
import { SCOPES, type Scope } from '@agentq/contracts';

export interface ApiKey {
  key: string;
  /** The keys-file line for it (what `keys:create` prints). */
  line: string;
}

/** A new API key and its line, as the gateway's `keys:create` makes them. */
export function makeApiKey(
  tenant: string,
  scopes: readonly Scope[] = SCOPES,
  limits: { rateLimit?: { perMinute: number; burst: number } } = {},
): ApiKey {
  const key = `aq_${randomBytes(32).toString('base64url')}`;
  const hash = `sha256:${createHash('sha256').update(key).digest('hex')}`;
  return { key, line: JSON.stringify({ hash, tenant, scopes, ...limits }) };
}

/** The key system tests send unless they pass another: tenant `default`, every scope. */
export const TEST_KEY = makeApiKey('default');

/**
 * A gateway's environment for these keys (TEST_KEY by default), with request, task and
 * unfinished-task limits too high for a functional or load test to meet; tests of the limits
 * override them.
 */
export function gatewayKeyEnv(keys: readonly ApiKey[] = [TEST_KEY]): Record<string, string> {
  return {
    AGENTQ_API_KEYS: keys.map((k) => k.line).join('\n'),
    AGENTQ_GATEWAY_RATE_LIMIT_PER_MIN: '1000000',
    AGENTQ_GATEWAY_RATE_LIMIT_BURST: '1000000',
    AGENTQ_GATEWAY_TASK_RATE_LIMIT_PER_MIN: '1000000',
    AGENTQ_GATEWAY_TASK_RATE_LIMIT_BURST: '1000000',
    AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED: '1000000',
  };
}

/** The Authorization header for a key (none for null). */
export function authHeader(key: string | null): Record<string, string> {
  return key === null ? {} : { authorization: `Bearer ${key}` };
}
