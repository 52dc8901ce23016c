import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { ChatRequest, ChatResult, TokenUsage } from './chat.js';
import { ProviderBreaker, type BreakerOptions } from './circuit-breaker.js';
import { LlmMetrics } from './llm-metrics.js';
import { OpenAiProvider } from './openai-provider.js';
import { defaultPresets } from './presets.js';
import { costUsd, type PriceTable } from './pricing.js';
import { RateLimiter, type RateLimits } from './rate-limiter.js';
import { RateLimitedError } from '../errors.js';

/** Where and how to call the LLM; apps build it from AGENTQ_LLM_* (see `llmEnvShape`). */
export interface LlmConfig {
  /** An OpenAI-compatible API root, e.g. https://api.openai.com/v1 or http://localhost:11434/v1. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; local servers usually need none. */
  apiKey?: string;
  /** Used when a request names no model. */
  model: string;
  /** Time until the provider starts answering (all of a non-streamed answer). @defaultValue 120000 */
  timeoutMs?: number;
  /** Completion budget of a request that sets none. @defaultValue 1024 */
  maxTokens?: number;
  /** USD per 1M input/output tokens by model. @defaultValue {} */
  prices?: PriceTable;
  /** Role presets (name -> system prompt) added to or replacing the built-in ones. */
  presets?: Readonly<Record<string, string>>;
  /** Shared per provider+model limits. @defaultValue no limit */
  limits?: RateLimits;
  breaker?: BreakerOptions;
}

/** Chat completions as agents see them (`ctx.llm`). */
export interface LlmClient {
  /** The model used when a request names none. */
  readonly defaultModel: string;
  /** The system prompt of a role preset, or undefined if there is no such preset. */
  preset(name: string): string | undefined;
  /**
   * One completion: waits for nothing — over a rate limit or with the provider's circuit
   * open it throws RateLimitedError at once, so the worker delays the task.
   */
  chat(
    request: ChatRequest,
    options: { signal: AbortSignal; onDelta?: (text: string) => void },
  ): Promise<ChatResult>;
}

const estimate = (text: string) => Math.ceil(text.length / 4);

/** The {@link LlmClient} of a process: provider, breaker, shared rate limits, cost, metrics. */
export class LlmService implements LlmClient {
  readonly defaultModel: string;
  private readonly provider: OpenAiProvider;
  private readonly providerId: string;
  private readonly breaker: ProviderBreaker;
  private readonly limiter: RateLimiter;
  /** Every role preset: the built-in ones with the configured ones applied. */
  readonly presets: Readonly<Record<string, string>>;
  private readonly metrics: LlmMetrics | undefined;

  constructor(
    private readonly config: LlmConfig,
    deps: { redis: Redis; prefix: string; metrics?: Registry },
  ) {
    this.defaultModel = config.model;
    this.provider = new OpenAiProvider(config.baseUrl, config.apiKey, config.timeoutMs);
    this.providerId = new URL(config.baseUrl).host;
    this.breaker = new ProviderBreaker(this.providerId, config.breaker);
    this.limiter = new RateLimiter(deps.redis, deps.prefix, config.limits ?? {});
    this.presets = { ...defaultPresets, ...config.presets };
    this.metrics = deps.metrics && new LlmMetrics(deps.metrics);
  }

  preset(name: string): string | undefined {
    return Object.hasOwn(this.presets, name) ? this.presets[name] : undefined;
  }

  async chat(
    request: ChatRequest,
    options: { signal: AbortSignal; onDelta?: (text: string) => void },
  ): Promise<ChatResult> {
    const model = request.model ?? this.config.model;
    const maxTokens = request.maxTokens ?? this.config.maxTokens ?? 1024;
    const promptTokens = estimate(request.messages.map((message) => message.content).join(''));
    this.breaker.assertClosed();
    const reservation = await this.limiter.reserve(
      this.providerId,
      model,
      promptTokens + maxTokens,
    );
    let usage: TokenUsage;
    let completion;
    try {
      completion = await this.breaker.execute(() =>
        this.provider
          .complete(
            {
              model,
              messages: request.messages,
              maxTokens,
              temperature: request.temperature,
              stream: request.stream ?? false,
            },
            options,
          )
          .catch((error: unknown) => this.onProviderFailure(error, model)),
      );
      usage = completion.usage ?? {
        inputTokens: promptTokens,
        outputTokens: estimate(completion.message.content),
        estimated: true,
      };
    } catch (error) {
      await reservation.settle(0);
      throw error;
    }
    await reservation.settle(usage.inputTokens + usage.outputTokens);
    const cost = costUsd(this.config.prices ?? {}, model, usage);
    // Only configured models become label values: task input must not grow the series.
    const known = model === this.config.model || this.config.prices?.[model] !== undefined;
    this.metrics?.record(known ? model : 'other', usage, cost);
    return { ...completion, usage, ...(cost === undefined ? {} : { costUsd: cost }) };
  }

  /**
   * The provider's 429 ("retry after T") holds every worker's calls to it for T, not only
   * this one's: the others would only collect more 429s. A pause that cannot be stored
   * does not hide the provider's answer.
   */
  private async onProviderFailure(error: unknown, model: string): Promise<never> {
    if (error instanceof RateLimitedError && error.retryAfterMs > 0) {
      await this.limiter.pause(this.providerId, model, error.retryAfterMs).catch(() => undefined);
    }
    throw error;
  }
}
