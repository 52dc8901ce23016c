import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ScopeSchema } from '@agentq/contracts';

/** Keys start with this, so a leaked one is easy to recognise (and to scan for). */
export const API_KEY_PREFIX = 'aq_';

/** A tenant id: it becomes part of Redis keys and task ids, so no `:` and no spaces. */
export const TenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, _ and - (at most 63)');

/** A token bucket: `perMinute` tokens flow in per minute; at most `burst` are saved up. */
export const RateLimitSchema = z.strictObject({
  perMinute: z.number().int().min(1),
  burst: z.number().int().min(1),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

/**
 * One line of a keys file. Only the key's sha256 is stored: a key is 32 random bytes, so a
 * fast hash is enough (nothing to brute-force), and the file is not a secret by itself.
 */
export const ApiKeyEntrySchema = z.strictObject({
  /** `sha256:<64 hex digits>` of the whole key, prefix included. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex digits>'),
  tenant: TenantIdSchema,
  scopes: z.array(ScopeSchema).min(1),
  /** Shown in logs instead of the key (defaults to the start of the hash). */
  name: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional(),
  /** Requests of this key; the gateway default when absent. */
  rateLimit: RateLimitSchema.optional(),
  /** Tasks submitted with this key (a batch counts each task); the gateway default when absent. */
  taskRateLimit: RateLimitSchema.optional(),
});
export type ApiKeyEntry = z.infer<typeof ApiKeyEntrySchema>;

/** A new key: `aq_` and 32 random bytes, base64url. Shown once, never stored. */
export function newApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The form a key is stored and compared in. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * Parses keys in their file form: one JSON object per line; blank lines and lines starting
 * with `#` are skipped. Throws naming the line of the first bad entry.
 */
export function parseApiKeyLines(text: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`line ${index + 1}: not JSON`);
    }
    const parsed = ApiKeyEntrySchema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(entry)'} ${i.message}`,
      );
      throw new Error(`line ${index + 1}: ${problems.join('; ')}`);
    }
    entries.push(parsed.data);
  });
  return entries;
}

/** An entry as one keys-file line. */
export function formatApiKeyLine(entry: ApiKeyEntry): string {
  return JSON.stringify(entry);
}

/** What `keys:create` is asked for, as typed (strings), before validation. */
export interface KeyRequest {
  tenant: string | undefined;
  scopes: string[] | undefined;
  name?: string | undefined;
  ratePerMinute?: string | undefined;
  burst?: string | undefined;
  taskRatePerMinute?: string | undefined;
  taskBurst?: string | undefined;
}

function limitOf(perMinute: string | undefined, burst: string | undefined): unknown {
  if (perMinute === undefined && burst === undefined) return undefined;
  return { perMinute: Number(perMinute), burst: Number(burst) };
}

/** A new key and its keys-file entry, or what is wrong with the request. */
export function createKey(
  request: KeyRequest,
): { ok: true; key: string; entry: ApiKeyEntry } | { ok: false; error: string } {
  const key = newApiKey();
  const parsed = ApiKeyEntrySchema.safeParse({
    hash: hashApiKey(key),
    tenant: request.tenant,
    scopes: request.scopes,
    name: request.name,
    rateLimit: limitOf(request.ratePerMinute, request.burst),
    taskRateLimit: limitOf(request.taskRatePerMinute, request.taskBurst),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`);
    return { ok: false, error: problems.join('\n') };
  }
  return { ok: true, key, entry: parsed.data };
}

/** What a key's creator is shown: the key (this once) and the line that makes it valid. */
export function describeCreatedKey(key: string, entry: ApiKeyEntry): string {
  return [
    'API key (shown only now; keep it secret):',
    `  ${key}`,
    'Add this line to the keys file (AGENTQ_API_KEYS_FILE) or to AGENTQ_API_KEYS:',
    `  ${formatApiKeyLine(entry)}`,
    '',
  ].join('\n');
}
