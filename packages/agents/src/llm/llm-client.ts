import type { RedisClient } from '@agentq/queue';
import type { Registry } from 'prom-client';
import { partialUsageOf, withPartialUsage, type ChatRequest, type ChatResult } from './chat.js';
import { ConcurrencyLimiter, type HeldSlots } from './concurrency-limiter.js';
import { ProviderBreaker, type BreakerOptions, type CircuitPass } from './circuit-breaker.js';
import { LlmMetrics, type CallOutcome } from './llm-metrics.js';
import { OpenAiProvider } from './openai-provider.js';
import { providerEndpoint, type EndpointSettings } from './provider-endpoint.js';
import { rolePresets } from './presets.js';
import { assertUsableFormat, parseStructured } from './structured-output.js';
import { costUsd, type PriceTable } from './pricing.js';
import { RateLimiter, type RateLimits } from './rate-limiter.js';
import { InvalidInputError, QuotaExhaustedError, RateLimitedError } from '../errors.js';
import { MisconfiguredProviderError } from './provider-errors.js';

/** One provider: where and how to call it, its models, prices and limits. */
export interface ProviderConfig extends EndpointSettings {
  /** Names it in Redis keys, metrics and results. @defaultValue the base URL's host */
  name?: string;
  /** Models a request may name without the provider (`model` rather than `name/model`). */
  models?: readonly string[];
  /** Time until the provider starts answering (all of a non-streamed answer). @defaultValue 120000 */
  timeoutMs?: number;
  /** USD per 1M input/output tokens by model. @defaultValue {} */
  prices?: PriceTable;
  /** Shared limits of each model without limits of its own. @defaultValue no limit */
  limits?: RateLimits;
  /** Shared limits by model, over `limits`. */
  modelLimits?: Readonly<Record<string, RateLimits>>;
  /** Calls running at once to this provider, all models and workers together. */
  maxConcurrency?: number;
  breaker?: BreakerOptions;
}

/** Where and how to call the LLM; apps build it from AGENTQ_LLM_* (see `llmEnvShape`). */
export interface LlmConfig extends ProviderConfig {
  /** Used when a request names no model. */
  model: string;
  /** Completion budget of a request that sets none. @defaultValue 1024 */
  maxTokens?: number;
  /** Longest silence between two chunks of a streamed answer. @defaultValue 30000 */
  streamIdleTimeoutMs?: number;
  /** Role presets (name -> system prompt) added to or replacing the built-in ones. */
  presets?: Readonly<Record<string, string>>;
  /**
   * More providers by name, beside this one (then named `default`); see LlmRouter.
   * @defaultValue none
   */
  providers?: Readonly<Record<string, ProviderConfig>>;
  /** Ordered alternatives of a model reference (`model` or `provider/model`). */
  fallbacks?: Readonly<Record<string, readonly string[]>>;
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

const seconds = (since: number) => (performance.now() - since) / 1000;

/** The text a request sends, for the token estimate: messages (text parts) and tools. */
function promptText(request: ChatRequest): string {
  const parts = request.messages.map((message) =>
    typeof message.content === 'string'
      ? message.content
      : Array.isArray(message.content)
        ? message.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
        : '',
  );
  return parts.join('') + (request.tools ? JSON.stringify(request.tools) : '');
}

function outcomeOf(error: unknown, signal: AbortSignal): CallOutcome {
  if (signal.aborted) return 'aborted';
  if (error instanceof MisconfiguredProviderError) return 'misconfigured';
  if (error instanceof RateLimitedError) return 'rate-limited';
  if (error instanceof QuotaExhaustedError) return 'quota-exhausted';
  if (error instanceof InvalidInputError) return 'invalid';
  return 'transient';
}

/** The {@link LlmClient} of a process: provider, breaker, shared rate limits, cost, metrics. */
export class LlmService implements LlmClient {
  readonly defaultModel: string;
  /** The models this provider is chosen for by name alone (see LlmRouter). */
  readonly models: readonly string[];
  private readonly provider: OpenAiProvider;
  private readonly providerId: string;
  private readonly breaker: ProviderBreaker;
  private readonly limiter: RateLimiter;
  private readonly concurrency: ConcurrencyLimiter;
  /** Every role preset: the built-in ones with the configured ones applied. */
  readonly presets: Readonly<Record<string, string>>;
  private readonly metrics: LlmMetrics | undefined;

  constructor(
    private readonly config: LlmConfig,
    deps: { redis: RedisClient; prefix: string; metrics?: Registry },
  ) {
    this.defaultModel = config.model;
    this.models = config.models ?? [];
    this.provider = new OpenAiProvider(
      providerEndpoint(config),
      config.timeoutMs,
      config.streamIdleTimeoutMs,
    );
    this.providerId = config.name ?? new URL(config.baseUrl).host;
    this.metrics = deps.metrics && new LlmMetrics(deps.metrics);
    this.breaker = new ProviderBreaker(
      deps.redis,
      deps.prefix,
      this.providerId,
      config.breaker,
      (state) => this.metrics?.circuitIs(this.providerId, state),
    );
    this.limiter = new RateLimiter(deps.redis, deps.prefix);
    this.concurrency = new ConcurrencyLimiter(deps.redis, deps.prefix);
    this.presets = rolePresets(config.presets);
  }

  preset(name: string): string | undefined {
    return Object.hasOwn(this.presets, name) ? this.presets[name] : undefined;
  }

  async chat(
    request: ChatRequest,
    options: { signal: AbortSignal; onDelta?: (text: string) => void },
  ): Promise<ChatResult> {
    const model = request.model ?? this.config.model;
    // Only configured models become label values: task input must not grow the series.
    const modelLabel =
      model === this.config.model || this.config.prices?.[model] !== undefined ? model : 'other';
    const maxTokens = request.maxTokens ?? this.config.maxTokens ?? 1024;
    const promptTokens = estimate(promptText(request));
    assertUsableFormat(request.responseFormat);
    const limits = this.config.modelLimits?.[model] ?? this.config.limits ?? {};
    const pass = await this.held(() => this.breaker.admit());
    let slots: HeldSlots | undefined;
    let reservation;
    try {
      slots = await this.held(() =>
        this.concurrency.acquire([
          { name: this.providerId, limit: this.config.maxConcurrency },
          { name: `${this.providerId}:${model}`, limit: limits.maxConcurrency },
        ]),
      );
      reservation = await this.held(() =>
        this.limiter.reserve(this.providerId, model, promptTokens + maxTokens, limits),
      );
    } catch (error) {
      await slots?.release();
      await pass.abandoned();
      throw error;
    }
    const started = performance.now();
    let firstToken = true;
    const onDelta = (text: string) => {
      if (firstToken) {
        firstToken = false;
        this.metrics?.firstTokenAfter(this.providerId, modelLabel, seconds(started));
      }
      options.onDelta?.(text);
    };
    let completion;
    try {
      completion = await this.provider.complete(
        { ...request, model, maxTokens, stream: request.stream ?? false },
        { signal: options.signal, onDelta },
      );
    } catch (error) {
      await slots.release();
      // A failed or cancelled stream was billed for what it produced: count it.
      const used = partialUsageOf(error);
      const usage = used && { ...used, inputTokens: used.inputTokens || promptTokens };
      await reservation.settle(usage ? usage.inputTokens + usage.outputTokens : 0);
      if (usage && error instanceof Error) {
        withPartialUsage(error, usage);
        this.metrics?.record(modelLabel, usage, costUsd(this.config.prices ?? {}, model, usage));
      }
      const outcome = outcomeOf(error, options.signal);
      this.metrics?.call(this.providerId, modelLabel, outcome, seconds(started));
      throw await this.afterFailure(error, outcome, pass, model);
    }
    await slots.release();
    this.metrics?.call(this.providerId, modelLabel, 'ok', seconds(started));
    await pass.succeeded();
    const usage = completion.usage ?? {
      inputTokens: promptTokens,
      outputTokens: estimate(completion.message.content),
      estimated: true,
    };
    await reservation.settle(usage.inputTokens + usage.outputTokens);
    const cost = costUsd(this.config.prices ?? {}, model, usage);
    this.metrics?.record(modelLabel, usage, cost);
    const result = { ...completion, usage, ...(cost === undefined ? {} : { costUsd: cost }) };
    try {
      return {
        ...result,
        ...parseStructured(
          completion.message.content,
          request.responseFormat,
          completion.finishReason,
        ),
      };
    } catch (error) {
      // Billed all the same.
      throw withPartialUsage(error as Error, usage);
    }
  }

  /** Runs a gate (circuit, limits) and counts the call it holds back, by what held it. */
  private async held<T>(gate: () => Promise<T>): Promise<T> {
    try {
      return await gate();
    } catch (error) {
      if (error instanceof RateLimitedError) this.metrics?.held(this.providerId, error.reason);
      throw error;
    }
  }

  /** Tells the circuit how the call went and returns the error the task sees. */
  private async afterFailure(
    error: unknown,
    outcome: CallOutcome,
    pass: CircuitPass,
    model: string,
  ): Promise<unknown> {
    switch (outcome) {
      case 'transient':
        await pass.failed();
        return error;
      case 'misconfigured': {
        // Every call would fail the same way: hold them all rather than fail task after task.
        await pass.failed({ trip: true });
        const message = error instanceof Error ? error.message : String(error);
        return new RateLimitedError(
          `${message}; calls are held while the circuit is open`,
          this.breaker.openForMs,
          { reason: 'circuit-open', cause: error },
        );
      }
      case 'rate-limited':
        await this.onProviderRateLimit(error, model);
        await pass.abandoned();
        return error;
      case 'aborted':
        await pass.abandoned();
        return error;
      case 'invalid':
      case 'quota-exhausted':
      case 'ok':
        // The provider answered: it is up.
        await pass.succeeded();
        return error;
    }
  }

  /**
   * The provider's 429 ("retry after T") holds every worker's calls to it for T, not only
   * this one's: the others would only collect more 429s. A pause that cannot be stored
   * does not hide the provider's answer.
   */
  private async onProviderRateLimit(error: unknown, model: string): Promise<void> {
    if (error instanceof RateLimitedError && error.retryAfterMs > 0) {
      await this.limiter.pause(this.providerId, model, error.retryAfterMs).catch(() => undefined);
    }
  }
}
