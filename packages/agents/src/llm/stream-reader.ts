import { z } from 'zod';
import { TransientError } from '../errors.js';
import { withPartialUsage, type ChatCompletion, type TokenUsage, type ToolCall } from './chat.js';
import { parseProviderJson, usageOf, UsageSchema } from './provider-json.js';
import { sseData } from './sse-parser.js';

const ToolCallDeltaSchema = z.object({
  index: z.number().int().min(0),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

const ChunkSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullish(),
            tool_calls: z.array(ToolCallDeltaSchema).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: UsageSchema.nullish(),
  /** Some servers report a failure inside the stream after a 200. */
  error: z.object({ message: z.string() }).optional(),
});

const estimate = (text: string) => Math.ceil(text.length / 4);

/**
 * Reads an OpenAI-style completion stream: text deltas (given to `onDelta` as they come),
 * tool calls assembled from their deltas by index, the finish reason and the usage chunk.
 * A stream is complete only with a finish reason or `[DONE]`; one that ends before, is cut,
 * or stays silent for `idle` fails as transient, naming what happened. Whatever fails
 * carries the tokens used so far (see partialUsageOf): the provider bills them.
 */
export class StreamReader {
  private content = '';
  private readonly toolCalls = new Map<number, ToolCall>();
  private finishReason: string | null = null;
  private usage: TokenUsage | undefined;
  private chunks = 0;

  constructor(private model: string) {}

  async read(
    body: AsyncIterable<Uint8Array>,
    onDelta: ((text: string) => void) | undefined,
    /** Aborted (by the caller) when the stream stayed silent too long; restarted per chunk. */
    idle: { restart(): void; readonly expiredAfterMs: number | undefined },
  ): Promise<ChatCompletion> {
    let done = false;
    try {
      for await (const data of sseData(body)) {
        idle.restart();
        if (data.trim() === '[DONE]') {
          done = true;
          break;
        }
        this.take(parseProviderJson(ChunkSchema, data, 'stream chunk'), onDelta);
      }
    } catch (error) {
      if (error instanceof TransientError) throw this.withUsage(error);
      if (idle.expiredAfterMs !== undefined) {
        throw this.withUsage(
          new TransientError(
            `LLM provider sent nothing for ${idle.expiredAfterMs} ms mid-stream, after ${this.chunks} chunks`,
          ),
        );
      }
      // The caller rethrows the task's own abort reason when its signal ended the stream.
      throw this.withUsage(
        new TransientError(
          `LLM provider's stream was cut after ${this.chunks} chunks: ${(error as Error).message}`,
          { cause: error },
        ),
      );
    }
    if (!done && this.finishReason === null) {
      throw this.withUsage(
        new TransientError(
          `LLM provider's stream ended early, after ${this.chunks} chunks, with no finish reason`,
        ),
      );
    }
    const toolCalls = [...this.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
    return {
      model: this.model,
      message: {
        role: 'assistant',
        content: this.content,
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      },
      finishReason: this.finishReason,
      usage: this.usage,
    };
  }

  /** What was used so far, for a stream that failed (or was cancelled). */
  usedSoFar(): TokenUsage {
    if (this.usage) return this.usage;
    const toolText = [...this.toolCalls.values()].map((c) => c.function.arguments).join('');
    return { inputTokens: 0, outputTokens: estimate(this.content + toolText), estimated: true };
  }

  private withUsage<E extends Error>(error: E): E {
    return withPartialUsage(error, this.usedSoFar());
  }

  private take(chunk: z.output<typeof ChunkSchema>, onDelta?: (text: string) => void): void {
    this.chunks += 1;
    if (chunk.error) {
      throw new TransientError(`LLM provider failed mid-stream: ${chunk.error.message}`);
    }
    this.model = chunk.model ?? this.model;
    this.usage = usageOf(chunk.usage) ?? this.usage;
    for (const choice of chunk.choices) {
      const text = choice.delta?.content;
      if (text) {
        this.content += text;
        onDelta?.(text);
      }
      for (const delta of choice.delta?.tool_calls ?? []) this.takeToolCall(delta);
      this.finishReason = choice.finish_reason ?? this.finishReason;
    }
  }

  /** The first delta of a call brings its id and name; the arguments come in pieces. */
  private takeToolCall(delta: z.output<typeof ToolCallDeltaSchema>): void {
    const call = this.toolCalls.get(delta.index) ?? {
      id: '',
      type: 'function' as const,
      function: { name: '', arguments: '' },
    };
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.function.name += delta.function.name;
    if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
    this.toolCalls.set(delta.index, call);
  }
}
