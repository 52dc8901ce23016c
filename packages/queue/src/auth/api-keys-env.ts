import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseApiKeyLines } from './api-key.js';
import type { EnvDocs } from '../env.js';

/** Keys in their file form (one JSON object per line), checked entry by entry. */
export const apiKeyLines = z.string().transform((text, ctx) => {
  try {
    return parseApiKeyLines(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** A keys file, read once at start. */
export const apiKeysFile = z
  .string()
  .min(1)
  .transform((file, ctx) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot read ${file}: ${(error as Error).message}` });
      return z.NEVER;
    }
    return text;
  })
  .pipe(apiKeyLines);

/**
 * `AGENTQ_API_KEYS` and `AGENTQ_API_KEYS_FILE`, read the same way by every app that checks
 * keys (the gateway, the scaler's control API).
 */
export const apiKeysEnvShape = {
  AGENTQ_API_KEYS: apiKeyLines.default([]),
  AGENTQ_API_KEYS_FILE: apiKeysFile.optional(),
};

/** What each of apiKeysEnvShape's variables means (docs/configuration.md is generated from it). */
export const apiKeysEnvDocs = {
  AGENTQ_API_KEYS:
    'API keys, one JSON line each (what `keys:create` prints); with `AUTH=on`, this or the file must hold at least one or the gateway stops; the scaler takes writes from `admin` keys',
  AGENTQ_API_KEYS_FILE:
    'file of such lines (`#` comments allowed), read at start; added to `AGENTQ_API_KEYS`',
} satisfies EnvDocs<typeof apiKeysEnvShape>;
