/** The chat-completion shapes agents see (camelCase; the provider module maps the wire). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  /** @defaultValue the configured model */
  model?: string;
  messages: ChatMessage[];
  /** @defaultValue the configured maxTokens */
  maxTokens?: number;
  temperature?: number;
  /** Stream the answer; each piece is given to `onDelta` as it arrives. */
  stream?: boolean;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** True when the provider reported none and the counts are chars/4 estimates. */
  estimated?: boolean;
}

export interface ChatCompletion {
  model: string;
  message: { role: 'assistant'; content: string };
  /** `stop`, `length`, ... as the provider says; null if it said nothing. */
  finishReason: string | null;
  usage: TokenUsage | undefined;
}

/** A provider tried before the one that answered, and why it was passed over. */
export interface FallbackStep {
  provider: string;
  model: string;
  code: string;
  message: string;
}

export interface ChatResult extends ChatCompletion {
  usage: TokenUsage;
  /** USD, from the configured price table; absent for a model without a price. */
  costUsd?: number;
  /** The provider that answered (when several are configured). */
  provider?: string;
  /** Providers tried first that failed over to the next, in order. */
  fallbacks?: FallbackStep[];
}
