import { z } from 'zod';
import { TransientError } from '../errors.js';
import type { TokenUsage } from './chat.js';

export const UsageSchema = z.object({ prompt_tokens: z.number(), completion_tokens: z.number() });

export function usageOf(
  usage: z.infer<typeof UsageSchema> | null | undefined,
): TokenUsage | undefined {
  return usage
    ? { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }
    : undefined;
}

/** Parses one JSON document from the provider; a bad one is a passing provider fault. */
export function parseProviderJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TransientError(`LLM provider sent malformed JSON in its ${what}`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new TransientError(
      `LLM provider sent an unexpected ${what}: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}
