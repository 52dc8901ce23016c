import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseApiKeyLines } from './api-key.js';

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
  /** API keys, one JSON object per line (see `keys:create`); added to the keys file's. */
  AGENTQ_API_KEYS: apiKeyLines.default([]),
  /** File with API keys, one JSON object per line; read at start. */
  AGENTQ_API_KEYS_FILE: apiKeysFile.optional(),
};
