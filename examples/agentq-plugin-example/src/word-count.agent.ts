import { z } from 'zod';
import type { Agent } from '@agentq/agents';

export const WordCountInputSchema = z
  .object({
    /** The text to count. */
    text: z.string().max(1_000_000),
    /** How many of the most frequent words to return. */
    top: z.number().int().min(1).max(100).default(3),
  })
  .strict();

export const WordCountOutputSchema = z.object({
  words: z.number().int(),
  top: z.array(z.object({ word: z.string(), count: z.number().int() })),
});

/** Counts the words of a text and names the most frequent ones. */
export const wordCountAgent: Agent<
  z.output<typeof WordCountInputSchema>,
  z.output<typeof WordCountOutputSchema>
> = {
  name: 'example.word-count',
  version: '1.0.0',
  description: 'Counts the words of a text and returns the most frequent ones.',
  inputSchema: WordCountInputSchema,
  outputSchema: WordCountOutputSchema,
  async run(input, ctx) {
    const words = input.text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
    const counts = new Map<string, number>();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    await ctx.log(`counted ${words.length} words for tenant ${ctx.tenant}`);
    await ctx.progress(100);
    const top = [...counts]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, input.top)
      .map(([word, count]) => ({ word, count }));
    return { words: words.length, top };
  },
};
