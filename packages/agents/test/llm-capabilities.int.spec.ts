import type { ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { llmChatAgent, LlmChatInputSchema } from '../src/builtin/llm-chat.agent.js';
import { InvalidInputError, TransientError } from '../src/errors.js';
import { partialUsageOf } from '../src/llm/chat.js';
import { LlmService, type LlmConfig } from '../src/llm/llm-client.js';
import { createTestContext } from '../src/testing/test-context.js';
import { completion, json } from '../src/testing/fake-openai-server.js';
import { useLlmTestEnv } from './redis-test-env.js';

const env = useLlmTestEnv('llm-caps');

function service(config: Partial<LlmConfig> = {}, metrics?: Registry) {
  return new LlmService(
    {
      baseUrl: env.server.baseUrl,
      model: 'test-model',
      breaker: { consecutiveFailures: 1_000_000 },
      ...config,
    },
    { redis: env.redis, prefix: env.prefix, metrics },
  );
}

function run(input: unknown, llm = service()) {
  return llmChatAgent.run(LlmChatInputSchema.parse(input), createTestContext({ llm }));
}

/** One SSE event as OpenAI sends it. */
const sse = (res: ServerResponse, data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
const streamHead = (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'text/event-stream' });
const chunk = (delta: unknown, finish: string | null = null) => ({
  model: 'test-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};

describe('tool calls', () => {
  it('sends tools and tool results, and returns the calls the model made', async () => {
    env.server.answer((_, res) =>
      json(res, 200, {
        model: 'test-model',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
                },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 20, completion_tokens: 8 },
      }),
    );
    const answer = await run({
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_0', content: '{"error":"no city"}' },
      ],
      tools: [weather],
      toolChoice: 'auto',
      parallelToolCalls: true,
    });
    expect(answer).toMatchObject({
      finishReason: 'tool_calls',
      message: {
        content: '',
        toolCalls: [
          { id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
    });
    expect(env.server.requests.at(-1)).toMatchObject({
      tools: [weather],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      messages: [
        { role: 'user' },
        { role: 'assistant', content: null },
        { role: 'tool', tool_call_id: 'call_0' },
      ],
    });
  });

  it('assembles streamed tool calls from their deltas, several at once', async () => {
    env.server.answer((_, res) => {
      streamHead(res);
      const call = (index: number, extra: Record<string, unknown>) =>
        chunk({ tool_calls: [{ index, ...extra }] });
      sse(
        res,
        call(0, {
          id: 'call_a',
          type: 'function',
          function: { name: 'get_weather', arguments: '' },
        }),
      );
      sse(
        res,
        call(1, {
          id: 'call_b',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"ci' },
        }),
      );
      sse(res, call(0, { function: { arguments: '{"city":' } }));
      sse(res, call(1, { function: { arguments: 'ty":"Rome"}' } }));
      sse(res, call(0, { function: { arguments: '"Oslo"}' } }));
      sse(res, chunk({}, 'tool_calls'));
      res.end('data: [DONE]\n\n');
    });
    const answer = await run({ prompt: 'Weather?', tools: [weather], stream: true });
    expect(answer.message.toolCalls).toEqual([
      {
        id: 'call_a',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      },
      {
        id: 'call_b',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
      },
    ]);
  });
});

describe('structured output', () => {
  const format = {
    type: 'json_schema',
    json_schema: {
      name: 'verdict',
      schema: {
        type: 'object',
        properties: { ok: { type: 'boolean' } },
        required: ['ok'],
        additionalProperties: false,
      },
    },
  };

  it('returns the answer parsed when it matches the schema', async () => {
    env.server.answer((_, res) => json(res, 200, completion('{"ok":true}')));
    const answer = await run({ prompt: 'Fine?', responseFormat: format });
    expect(answer.parsed).toEqual({ ok: true });
    expect(env.server.requests.at(-1)).toMatchObject({ response_format: format });
  });

  it('fails as transient when the answer does not match, naming where', async () => {
    env.server.answer((_, res) => json(res, 200, completion('{"ok":"yes"}')));
    const failure = run({ prompt: 'Fine?', responseFormat: format });
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow(/does not match schema "verdict": \/ok must be boolean/);
  });

  it('fails for good when the answer was cut at the token limit', async () => {
    env.server.answer((_, res) =>
      json(res, 200, {
        ...completion('{"ok":'),
        choices: [
          { index: 0, message: { role: 'assistant', content: '{"ok":' }, finish_reason: 'length' },
        ],
      }),
    );
    const failure = run({ prompt: 'Fine?', responseFormat: { type: 'json_object' } });
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow('raise maxTokens');
  });
});

describe('standard parameters and image parts', () => {
  it('passes them through as the wire protocol names them', async () => {
    env.server.answer((_, res) => json(res, 200, completion('ok')));
    await run({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
          ],
        },
      ],
      topP: 0.9,
      stop: ['END'],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      user: 'u-1',
      maxCompletionTokens: 50,
    });
    const sent = env.server.requests.at(-1) as Record<string, unknown>;
    expect(sent).toMatchObject({
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      user: 'u-1',
      max_completion_tokens: 50,
      messages: [{ content: [{ type: 'text' }, { type: 'image_url' }] }],
    });
    expect(sent).not.toHaveProperty('max_tokens');
  });
});

describe('streams that go wrong', () => {
  it('fails a stream that ends without a finish reason or [DONE] as transient', async () => {
    env.server.answer((_, res) => {
      streamHead(res);
      sse(res, chunk({ content: 'partial' }));
      res.end();
    });
    const failure = run({ prompt: 'Hi', stream: true });
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow(/stream ended early, after 1 chunks/);
  });

  it('says a stream was cut, not that the provider could not be reached', async () => {
    env.server.answer((_, res) => {
      streamHead(res);
      sse(res, chunk({ content: 'partial' }));
      setImmediate(() => res.socket?.destroy());
    });
    await expect(run({ prompt: 'Hi', stream: true })).rejects.toThrow(
      /stream was cut after 1 chunks/,
    );
  });

  it('fails a stream that stalls after its headers within the idle timeout', async () => {
    env.server.answer((_, res) => {
      streamHead(res);
      sse(res, chunk({ content: 'one' }));
    });
    const failure = run({ prompt: 'Hi', stream: true }, service({ streamIdleTimeoutMs: 200 }));
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow(/sent nothing for 200 ms mid-stream, after 1 chunks/);
  });

  it('counts the tokens of a stream that failed midway', async () => {
    env.server.answer((_, res) => {
      streamHead(res);
      sse(res, chunk({ content: 'x'.repeat(400) }));
      res.end();
    });
    const metrics = new Registry();
    const llm = service({}, metrics);
    const error = await llm
      .chat(
        { messages: [{ role: 'user', content: 'Hi' }], stream: true },
        { signal: new AbortController().signal },
      )
      .catch((caught: unknown) => caught);
    expect(partialUsageOf(error)).toMatchObject({ outputTokens: 100, estimated: true });
    const tokens = await metrics.getSingleMetric('agentq_llm_tokens_total')?.get();
    expect(tokens?.values).toEqual(
      expect.arrayContaining([
        { labels: { model: 'test-model', direction: 'output' }, value: 100 },
      ]),
    );
  });

  it('counts the tokens of a stream the task cancelled', async () => {
    env.server.answer((_, res) => {
      streamHead(res);
      sse(res, chunk({ content: 'y'.repeat(80) }));
    });
    const metrics = new Registry();
    const controller = new AbortController();
    const error = await service({}, metrics)
      .chat(
        { messages: [{ role: 'user', content: 'Hi' }], stream: true },
        { signal: controller.signal, onDelta: () => controller.abort(new Error('cancelled')) },
      )
      .catch((caught: unknown) => caught);
    expect(error).toEqual(new Error('cancelled'));
    expect(partialUsageOf(error)).toMatchObject({ outputTokens: 20 });
    const tokens = await metrics.getSingleMetric('agentq_llm_tokens_total')?.get();
    expect(tokens?.values).toEqual(
      expect.arrayContaining([{ labels: { model: 'test-model', direction: 'output' }, value: 20 }]),
    );
  });
});
