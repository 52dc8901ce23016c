import { AgentError, QuotaExhaustedError, RateLimitedError, TransientError } from '../errors.js';
import type { ChatRequest, ChatResult, FallbackStep } from './chat.js';
import type { LlmClient, LlmService } from './llm-client.js';

/** A model at a provider, as a request may name it: `model` or `provider/model`. */
interface Route {
  provider: string;
  model: string;
}

/**
 * Whether the next provider in a model's fallback list should be tried: the provider is
 * down (open circuit, 5xx, network) or out of quota. A rate limit that will pass, a bad
 * request or a cancel are answered as they are.
 */
function fallsOver(error: unknown): boolean {
  if (error instanceof RateLimitedError) return error.reason === 'circuit-open';
  return error instanceof QuotaExhaustedError || error instanceof TransientError;
}

/**
 * `ctx.llm` over several named providers: a request names `model` (routed to the provider
 * that lists it, else the default one) or `provider/model`; a model with fallbacks is
 * tried at each in order while the one before is down, and the result says which answered
 * and what was passed over.
 */
export class LlmRouter implements LlmClient {
  private readonly byModel = new Map<string, string>();

  constructor(
    private readonly providers: ReadonlyMap<string, LlmService>,
    private readonly defaultProvider: string,
    /** Ordered alternatives by the model reference a request names. */
    private readonly fallbacks: Readonly<Record<string, readonly string[]>> = {},
  ) {
    if (!providers.has(defaultProvider)) {
      throw new Error(`the default LLM provider "${defaultProvider}" is not configured`);
    }
    for (const [name, provider] of providers) {
      for (const model of provider.models)
        if (!this.byModel.has(model)) this.byModel.set(model, name);
    }
  }

  get defaultModel(): string {
    return this.service(this.defaultProvider).defaultModel;
  }

  get presets(): Readonly<Record<string, string>> {
    return this.service(this.defaultProvider).presets;
  }

  preset(name: string): string | undefined {
    return this.service(this.defaultProvider).preset(name);
  }

  private service(name: string): LlmService {
    const service = this.providers.get(name);
    if (!service) throw new Error(`no LLM provider "${name}"`);
    return service;
  }

  /** Where a model reference goes. A name with a slash is a provider only if one has that name. */
  route(reference: string): Route {
    const slash = reference.indexOf('/');
    if (slash > 0) {
      const provider = reference.slice(0, slash);
      if (this.providers.has(provider)) return { provider, model: reference.slice(slash + 1) };
    }
    return { provider: this.byModel.get(reference) ?? this.defaultProvider, model: reference };
  }

  async chat(
    request: ChatRequest,
    options: { signal: AbortSignal; onDelta?: (text: string) => void },
  ): Promise<ChatResult> {
    const reference = request.model ?? this.defaultModel;
    const routes = [reference, ...(this.fallbacks[reference] ?? [])].map((ref) => this.route(ref));
    const passedOver: FallbackStep[] = [];
    let streamed = false;
    const onDelta = (text: string) => {
      streamed = true;
      options.onDelta?.(text);
    };
    const attempt = async (index: number): Promise<ChatResult> => {
      const { provider, model } = routes[index] as Route;
      try {
        const result = await this.service(provider).chat(
          { ...request, model },
          { signal: options.signal, onDelta },
        );
        return { ...result, provider, ...(passedOver.length > 0 ? { fallbacks: passedOver } : {}) };
      } catch (error) {
        // Text already streamed cannot be taken back: another provider would repeat it.
        const last = index === routes.length - 1;
        if (last || streamed || options.signal.aborted || !fallsOver(error)) throw error;
        passedOver.push({
          provider,
          model,
          code: error instanceof AgentError ? error.code : 'UNKNOWN',
          message: error instanceof Error ? error.message : String(error),
        });
        return attempt(index + 1);
      }
    };
    return attempt(0);
  }
}
