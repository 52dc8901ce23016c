import { z } from 'zod';
import { AgentError, TransientError } from '../errors.js';
import { partialUsageOf, withPartialUsage, type ChatCompletion, type ChatRequest } from './chat.js';
import type { ProviderEndpoint } from './provider-endpoint.js';
import { MisconfiguredProviderError, providerStatusError } from './provider-errors.js';
import { parseProviderJson, usageOf, UsageSchema } from './provider-json.js';
import { StreamReader } from './stream-reader.js';

/** A resolved request: the model and token budget are always known here. */
export interface ProviderRequest extends ChatRequest {
  model: string;
  maxTokens: number;
  stream: boolean;
}

const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const CompletionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(ToolCallSchema).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: UsageSchema.nullish(),
});

/** The request as the OpenAI wire protocol spells it; unset options are left out. */
function wireBody(request: ProviderRequest): Record<string, unknown> {
  const optional: Record<string, unknown> = {
    temperature: request.temperature,
    top_p: request.topP,
    stop: request.stop,
    seed: request.seed,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    user: request.user,
    tools: request.tools,
    tool_choice: request.toolChoice,
    parallel_tool_calls: request.parallelToolCalls,
    response_format: request.responseFormat,
  };
  return {
    model: request.model,
    messages: request.messages,
    // Newer OpenAI models take only max_completion_tokens; older servers only max_tokens.
    ...(request.maxCompletionTokens === undefined
      ? { max_tokens: request.maxTokens }
      : { max_completion_tokens: request.maxCompletionTokens }),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    stream: request.stream,
    ...(request.stream ? { stream_options: { include_usage: true } } : {}),
  };
}

/** Restartable: aborts its signal once `ms` passed since the last restart. */
class IdleTimer {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  expiredAfterMs: number | undefined;

  constructor(private readonly ms: number) {}

  restart(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expiredAfterMs = this.ms;
      this.controller.abort();
    }, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Chat completions over the OpenAI wire protocol (OpenAI, Azure, vLLM, Ollama, LM Studio,
 * ...) with the global fetch. Errors come out classified: 429 / 503+Retry-After ->
 * RateLimitedError, other 5xx, network and malformed answers -> TransientError; see
 * providerStatusError for the 4xx; an aborted signal rethrows its reason.
 */
export class OpenAiProvider {
  constructor(
    private readonly endpoint: ProviderEndpoint,
    /** Time until the provider starts answering (all of a non-streamed answer). */
    private readonly timeoutMs = 120_000,
    /** Longest silence between two chunks of a stream. */
    private readonly streamIdleTimeoutMs = 30_000,
  ) {}

  async complete(
    request: ProviderRequest,
    options: { signal: AbortSignal; onDelta?: (text: string) => void },
  ): Promise<ChatCompletion> {
    const { signal } = options;
    // A provider that hangs must fail (and count towards the breaker) before the task's
    // own time limit; once it answers, a stream must keep coming (the idle timer).
    const answered = new AbortController();
    const timer = setTimeout(() => answered.abort(), this.timeoutMs);
    const idle = new IdleTimer(this.streamIdleTimeoutMs);
    const reader = new StreamReader(request.model);
    try {
      const response = await fetch(this.endpoint.url, {
        method: 'POST',
        headers: { ...this.endpoint.headers, 'content-type': 'application/json' },
        body: JSON.stringify(wireBody(request)),
        signal: AbortSignal.any([signal, answered.signal, idle.controller.signal]),
      });
      clearTimeout(timer);
      if (!response.ok) {
        const body = await response.text();
        throw providerStatusError(response.status, response.headers.get('retry-after'), body);
      }
      // A server that ignores `stream` answers plain JSON: accept that too.
      const streamed = response.headers.get('content-type')?.includes('text/event-stream');
      if (streamed && response.body) {
        idle.restart();
        return await reader.read(response.body, options.onDelta, idle);
      }
      return this.readJson(await response.text(), request);
    } catch (error) {
      if (signal.aborted) {
        // A cancelled stream was still billed for what it produced.
        const reason: unknown = signal.reason;
        if (reason instanceof Error && !partialUsageOf(reason)) {
          withPartialUsage(reason, partialUsageOf(error) ?? reader.usedSoFar());
        }
        throw reason;
      }
      if (error instanceof AgentError || error instanceof MisconfiguredProviderError) throw error;
      if (answered.signal.aborted) {
        throw new TransientError(`LLM provider did not answer within ${this.timeoutMs} ms`);
      }
      throw new TransientError('LLM provider could not be reached', { cause: error });
    } finally {
      clearTimeout(timer);
      idle.stop();
    }
  }

  private readJson(text: string, request: ProviderRequest): ChatCompletion {
    const completion = parseProviderJson(CompletionSchema, text, 'answer');
    const [choice] = completion.choices;
    const toolCalls = choice?.message.tool_calls ?? [];
    return {
      model: completion.model ?? request.model,
      message: {
        role: 'assistant',
        content: choice?.message.content ?? '',
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      },
      finishReason: choice?.finish_reason ?? null,
      usage: usageOf(completion.usage),
    };
  }
}
