import { z } from 'zod';
import type { Agent, InputProblem } from '../agent.js';
import { InvalidInputError } from '../errors.js';
import type { ChatMessage, ChatResult } from '../llm/chat.js';
import { ProgressBatcher } from '../progress-batcher.js';
import {
  MessageSchema,
  ResponseFormatSchema,
  ToolChoiceSchema,
  ToolSchema,
} from './llm-chat-schema.js';

export const LlmChatInputSchema = z
  .object({
    /** The conversation; or use `prompt`. */
    messages: z.array(MessageSchema).min(1).max(1000).optional(),
    /** One user message; or use `messages`. */
    prompt: z.string().min(1).optional(),
    /** A role preset (developer, reviewer, planner, devops, ...): its system prompt goes first. */
    role: z.string().min(1).max(64).optional(),
    /** @defaultValue the configured model (AGENTQ_LLM_MODEL) */
    model: z.string().min(1).max(200).optional(),
    maxTokens: z.number().int().min(1).max(1_000_000).optional(),
    /** Sent as `max_completion_tokens` (newer OpenAI models) instead of `max_tokens`. */
    maxCompletionTokens: z.number().int().min(1).max(1_000_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    stop: z.union([z.string().max(1000), z.array(z.string().max(1000)).max(4)]).optional(),
    seed: z.number().int().optional(),
    presencePenalty: z.number().min(-2).max(2).optional(),
    frequencyPenalty: z.number().min(-2).max(2).optional(),
    user: z.string().max(256).optional(),
    /** Functions the model may call; its calls come back in `message.toolCalls`. */
    tools: z.array(ToolSchema).min(1).max(128).optional(),
    toolChoice: ToolChoiceSchema.optional(),
    parallelToolCalls: z.boolean().optional(),
    /** JSON output: the result's `parsed` holds it, checked against `json_schema`'s schema. */
    responseFormat: ResponseFormatSchema.optional(),
    /** Stream the answer into the task's progress (`{ text }`) as it is written. */
    stream: z.boolean().default(false),
  })
  .strict()
  .refine((input) => (input.messages === undefined) !== (input.prompt === undefined), {
    message: 'give either messages or prompt',
    path: ['prompt'],
  });
export type LlmChatInput = z.output<typeof LlmChatInputSchema>;

/** How often streamed text is written to the task's progress. */
const STREAM_PROGRESS_INTERVAL_MS = 100;

/** One chat completion against the configured OpenAI-compatible provider. */
export const llmChatAgent: Agent<LlmChatInput, ChatResult> = {
  name: 'llm.chat',
  version: '1.0.0',
  description:
    'Chat completion against an OpenAI-compatible endpoint: messages, or a role preset and a prompt; returns the message, finish reason, token usage and cost.',
  inputSchema: LlmChatInputSchema,
  usesLlm: true,
  checkDeployment(input, { llmPresets, llmDefaultModel, llmModels }) {
    const problems: InputProblem[] = [];
    if (input.role !== undefined && !llmPresets.has(input.role)) {
      const known = [...llmPresets].sort().join(', ');
      problems.push({
        path: ['role'],
        message: `unknown role preset "${input.role}" (known: ${known})`,
      });
    }
    const model = input.model ?? llmDefaultModel;
    if (llmModels && !llmModels.has(model)) {
      problems.push({
        path: ['model'],
        message: `model "${model}" is not allowed for this tenant (allowed: ${[...llmModels].join(', ')})`,
      });
    }
    return problems;
  },
  async run(input, ctx) {
    const { prompt, role, messages: given, ...options } = input;
    const messages: ChatMessage[] = given ?? [{ role: 'user', content: prompt ?? '' }];
    if (role !== undefined) {
      const system = ctx.llm.preset(role);
      if (system === undefined) throw new InvalidInputError(`unknown role preset "${role}"`);
      messages.unshift({ role: 'system', content: system });
    }
    const batcher = input.stream
      ? new ProgressBatcher<{ text: string }>(
          (value) => ctx.progress(value),
          STREAM_PROGRESS_INTERVAL_MS,
        )
      : undefined;
    let text = '';
    try {
      const result = await ctx.llm.chat(
        { ...options, messages },
        {
          signal: ctx.signal,
          onDelta: (delta) => {
            text += delta;
            batcher?.update({ text });
          },
        },
      );
      await batcher?.flush();
      return result;
    } catch (error) {
      await batcher?.cancel();
      throw error;
    }
  },
};
