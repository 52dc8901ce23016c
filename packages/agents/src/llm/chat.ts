/**
 * The chat-completion shapes agents see. Messages, tools and response formats keep the
 * OpenAI wire names (`tool_calls`, `tool_call_id`, `image_url`, `json_schema`), which every
 * OpenAI-compatible server and SDK user knows; request options are camelCase.
 */

/** A part of a user message: text, or an image by URL (or `data:` URL). */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

/** A function the model asked to call, with its arguments as the JSON text it wrote. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; content: string; tool_call_id: string };

/** A function the model may call; `parameters` is a JSON Schema of its arguments. */
export interface ToolDefinition {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ToolChoice =
  'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

/** Structured output: any JSON object, or one that matches a JSON Schema. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        description?: string;
        schema?: Record<string, unknown>;
        strict?: boolean;
      };
    };

export interface ChatRequest {
  /** `model` or `provider/model` (see docs/llm.md); @defaultValue the configured model */
  model?: string;
  messages: ChatMessage[];
  /** @defaultValue the configured maxTokens */
  maxTokens?: number;
  /** Sent as `max_completion_tokens` (newer OpenAI models), instead of `max_tokens`. */
  maxCompletionTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string | string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** An id of the end user, passed to the provider for abuse monitoring. */
  user?: string;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
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
  message: { role: 'assistant'; content: string; toolCalls?: ToolCall[] };
  /** `stop`, `length`, `tool_calls`, ... as the provider says; null if it said nothing. */
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
  /** With a JSON `responseFormat`: the answer parsed (and checked against its schema). */
  parsed?: unknown;
  /** The provider that answered (when several are configured). */
  provider?: string;
  /** Providers tried first that failed over to the next, in order. */
  fallbacks?: FallbackStep[];
}

/** What a call used before it failed or was cancelled: the provider bills it all the same. */
const partialUsage = new WeakMap<object, TokenUsage>();

export function withPartialUsage<E extends Error>(error: E, usage: TokenUsage): E {
  partialUsage.set(error, usage);
  return error;
}

export function partialUsageOf(error: unknown): TokenUsage | undefined {
  return typeof error === 'object' && error !== null ? partialUsage.get(error) : undefined;
}
