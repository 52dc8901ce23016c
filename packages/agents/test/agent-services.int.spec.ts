import { Registry } from 'prom-client';
import { InvalidInputError } from '../src/errors.js';
import { createAgentServices } from '../src/services.js';
import { completion, json, startFakeOpenAi } from '../src/testing/fake-openai-server.js';
import { deleteKeysByPrefix, testRedis, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('services');
const redis = testRedis('services');

afterAll(async () => {
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

describe(createAgentServices.name, () => {
  it('gives each task its tenant state, the shared LLM client and the guarded HTTP client', async () => {
    const server = await startFakeOpenAi();
    server.answer((_, res) => json(res, 200, completion('hi')));
    const metrics = new Registry();
    const services = createAgentServices({
      redis,
      prefix,
      llm: { baseUrl: server.baseUrl, model: 'test-model' },
      metrics,
    });
    try {
      const first = services.forTask({ tenant: 'acme' });
      const second = services.forTask({ tenant: 'globex' });
      await first.state.set('k', 'acme-value');
      expect(first.tenant).toBe('acme');
      expect(await second.state.get('k')).toBeUndefined();
      expect(await redis.get(`${prefix}:state:acme:kv:k`)).toBe('"acme-value"');
      // A tenant's next task reuses its services rather than building new ones.
      expect(services.forTask({ tenant: 'acme' })).toBe(first);
      expect(await services.forTask({ tenant: 'acme' }).state.get('k')).toBe('acme-value');

      const signal = new AbortController().signal;
      const answer = await first.llm.chat(
        { messages: [{ role: 'user', content: 'hello' }] },
        { signal },
      );
      expect(answer.message.content).toBe('hi');
      expect(await metrics.getSingleMetricAsString('agentq_llm_tokens_total')).toContain(
        'model="test-model"',
      );

      await expect(
        first.http.request({ method: 'GET', url: 'https://example.com/' }, { signal }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    } finally {
      await services.close();
      await server.close();
    }
  });
});
