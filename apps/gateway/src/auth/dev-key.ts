import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SCOPES } from '@agentq/contracts';
import { formatApiKeyLine, hashApiKey, newApiKey } from '@agentq/queue';

export interface DevKey {
  key: string;
  /** Its keys-file line. */
  line: string;
  /** A keys file holding only that line (for AGENTQ_API_KEYS_FILE). */
  keysFile: string;
  /** Whether this call made the key (false: an earlier one did). */
  created: boolean;
}

/**
 * The development key in `dir`: made once (tenant `dev`, every scope) and kept in
 * `dir/dev-api-key` (owner-only), so it stays the same across restarts; `dir/api-keys` is
 * its keys file. For local runs only (`pnpm start`, docker compose).
 */
export function ensureDevKey(dir: string): DevKey {
  mkdirSync(dir, { recursive: true });
  const keyPath = path.join(dir, 'dev-api-key');
  const saved = existsSync(keyPath) ? readFileSync(keyPath, 'utf8').trim() : '';
  const key = saved === '' ? newApiKey() : saved;
  if (saved === '') writeFileSync(keyPath, `${key}\n`, { mode: 0o600 });
  const line = formatApiKeyLine({
    hash: hashApiKey(key),
    tenant: 'dev',
    scopes: [...SCOPES],
    name: 'dev',
  });
  const keysFile = path.join(dir, 'api-keys');
  writeFileSync(keysFile, `# development key (made by ensureDevKey)\n${line}\n`, { mode: 0o644 });
  return { key, line, keysFile, created: saved === '' };
}
