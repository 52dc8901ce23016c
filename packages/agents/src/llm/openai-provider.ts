import { z } from 'zod';
import { AgentError, TransientError } from '../errors.js';
import type { ChatCompletion, ChatMessage, TokenUsage } from './chat.js';
import type { ProviderEndpoint } from './provider-endpoint.js';
import { MisconfiguredProviderError, providerStatusError } from './provider-errors.js';
import { sseData } from './sse-parser.js';

/** A resolved request: the model and token budget are always known here. */
export interface ProviderRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  stream: boolean;
}

const UsageSchema = z.object({ prompt_tokens: z.number(), completion_tokens: z.number() });

const CompletionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: UsageSchema.nullish(),
});

const ChunkSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: UsageSchema.nullish(),
  /** Some servers report a failure inside the stream after a 200. */
  error: z.object({ message: z.string() }).optional(),
});

function usageOf(usage: z.infer<typeof UsageSchema> | null | undefined): TokenUsage | undefined {
  return usage
    ? { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }
    : undefined;
}

/** Parses one JSON document from the provider; a bad one is a passing provider fault. */
function parse<T>(schema: z.ZodType<T>, text: string, what: string): T {
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

/**
 * Chat completions over the OpenAI wire protocol (OpenAI, vLLM, Ollama, LM Studio, ...)
 * with the global fetch. Errors come out classified: 429 / 503+Retry-After ->
 * RateLimitedError, other 5xx, network and malformed answers -> TransientError; see
 * providerStatusError for the 4xx; an aborted signal rethrows its reason.
 */
export class OpenAiProvider {
  constructor(
    private readonly endpoint: ProviderEndpoint,
    /** Time until the provider starts answering (all of a non-streamed answer). */
    private readonly timeoutMs = 120_000,
  ) {}

  async complete(
    request: ProviderRequest,
    options: { signal: AbortSignal; onDelta?: (text: string) => void },
  ): Promise<ChatCompletion> {
    const { signal } = options;
    // A provider that hangs must fail (and count towards the breaker) before the task's
    // own time limit; once it answers, only the task's signal bounds a long stream.
    const answered = new AbortController();
    const timer = setTimeout(() => answered.abort(), this.timeoutMs);
    try {
      const response = await fetch(this.endpoint.url, {
        method: 'POST',
        headers: { ...this.endpoint.headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: request.model,
          messages: request.messages,
          max_tokens: request.maxTokens,
          temperature: request.temperature,
          stream: request.stream,
          ...(request.stream ? { stream_options: { include_usage: true } } : {}),
        }),
        signal: AbortSignal.any([signal, answered.signal]),
      });
      clearTimeout(timer);
      if (!response.ok) {
        const body = await response.text();
        throw providerStatusError(response.status, response.headers.get('retry-after'), body);
      }
      // A server that ignores `stream` answers plain JSON: accept that too.
      const streamed = response.headers.get('content-type')?.includes('text/event-stream');
      if (streamed && response.body)
        return await this.readStream(response.body, request, options.onDelta);
      return this.readJson(await response.text(), request);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof AgentError || error instanceof MisconfiguredProviderError) throw error;
      if (answered.signal.aborted) {
        throw new TransientError(`LLM provider did not answer within ${this.timeoutMs} ms`);
      }
      throw new TransientError('LLM provider could not be reached', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private readJson(text: string, request: ProviderRequest): ChatCompletion {
    const completion = parse(CompletionSchema, text, 'answer');
    const [choice] = completion.choices;
    return {
      model: completion.model ?? request.model,
      message: { role: 'assistant', content: choice?.message.content ?? '' },
      finishReason: choice?.finish_reason ?? null,
      usage: usageOf(completion.usage),
    };
  }

  private async readStream(
    body: AsyncIterable<Uint8Array>,
    request: ProviderRequest,
    onDelta?: (text: string) => void,
  ): Promise<ChatCompletion> {
    let content = '';
    let finishReason: string | null = null;
    let usage: TokenUsage | undefined;
    let model = request.model;
    for await (const data of sseData(body)) {
      if (data.trim() === '[DONE]') break;
      const chunk = parse(ChunkSchema, data, 'stream chunk');
      if (chunk.error)
        throw new TransientError(`LLM provider failed mid-stream: ${chunk.error.message}`);
      model = chunk.model ?? model;
      usage = usageOf(chunk.usage) ?? usage;
      for (const choice of chunk.choices) {
        const delta = choice.delta?.content;
        if (delta) {
          content += delta;
          onDelta?.(delta);
        }
        finishReason = choice.finish_reason ?? finishReason;
      }
    }
    return { model, message: { role: 'assistant', content }, finishReason, usage };
  }
}
