import { fileURLToPath } from 'node:url';
import { createTestContext, loadAgentModules } from '@agentq/agents';
import { agents } from './index.js';
import { WordCountInputSchema, WordCountOutputSchema, wordCountAgent } from './word-count.agent.js';

describe('example.word-count', () => {
  it('counts words and returns the most frequent first', async () => {
    const ctx = createTestContext();
    const input = WordCountInputSchema.parse({ text: 'the cat and the hat and the bat', top: 2 });

    const result = await wordCountAgent.run(input, ctx);

    expect(result).toEqual({
      words: 8,
      top: [
        { word: 'the', count: 3 },
        { word: 'and', count: 2 },
      ],
    });
    expect(WordCountOutputSchema.safeParse(result).success).toBe(true);
    expect(ctx.logs).toEqual(['counted 8 words for tenant test-tenant']);
  });

  it('rejects input without text', () => {
    expect(WordCountInputSchema.safeParse({ top: 2 }).success).toBe(false);
  });

  it('exports its agents the way agentq loads them', async () => {
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    const loaded = await loadAgentModules(['./src/index.ts'], packageDir);
    expect(loaded.map((agent) => agent.name)).toEqual(['example.word-count']);
    expect(agents).toHaveLength(1);
  });
});
