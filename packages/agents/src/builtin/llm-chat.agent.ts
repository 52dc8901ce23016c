import { z } from 'zod';
import type { Agent, InputProblem } from '../agent.js';
import { InvalidInputError } from '../errors.js';
import type { ChatMessage, ChatResult } from '../llm/chat.js';
import { ProgressBatcher } from '../progress-batcher.js';

const MessageSchema = z
  .object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })
  .strict();

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
    temperature: z.number().min(0).max(2).optional(),
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
    const messages: ChatMessage[] = input.messages ?? [
      { role: 'user', content: input.prompt ?? '' },
    ];
    if (input.role !== undefined) {
      const system = ctx.llm.preset(input.role);
      if (system === undefined) throw new InvalidInputError(`unknown role preset "${input.role}"`);
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
        {
          model: input.model,
          messages,
          maxTokens: input.maxTokens,
          temperature: input.temperature,
          stream: input.stream,
        },
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
