import { z } from 'zod';

/** Bounds that keep one task's request a sane size (the gateway bounds the whole input too). */
const text = z.string().max(1_000_000);
const name = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
  message: 'a function name is 1-64 letters, digits, _ or -',
});
const jsonSchema = z.record(z.string(), z.unknown());

const ContentPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text }).strict(),
  z
    .object({
      type: z.literal('image_url'),
      image_url: z
        .object({
          url: z.string().min(1).max(20_000_000),
          detail: z.enum(['auto', 'low', 'high']).optional(),
        })
        .strict(),
    })
    .strict(),
]);

const ToolCallSchema = z
  .object({
    id: z.string().min(1).max(200),
    type: z.literal('function'),
    function: z.object({ name, arguments: text }).strict(),
  })
  .strict();

/** A message as the OpenAI wire protocol has it (so existing conversations paste in). */
export const MessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: text }).strict(),
  z
    .object({
      role: z.literal('user'),
      content: z.union([text, z.array(ContentPartSchema).min(1).max(100)]),
    })
    .strict(),
  z
    .object({
      role: z.literal('assistant'),
      content: text.nullable(),
      tool_calls: z.array(ToolCallSchema).max(128).optional(),
    })
    .strict(),
  z
    .object({ role: z.literal('tool'), content: text, tool_call_id: z.string().min(1).max(200) })
    .strict(),
]);

export const ToolSchema = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name,
        description: z.string().max(4096).optional(),
        parameters: jsonSchema.optional(),
        strict: z.boolean().optional(),
      })
      .strict(),
  })
  .strict();

export const ToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name }).strict() }).strict(),
]);

export const ResponseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }).strict(),
  z.object({ type: z.literal('json_object') }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      json_schema: z
        .object({
          name,
          description: z.string().max(4096).optional(),
          schema: jsonSchema.optional(),
          strict: z.boolean().optional(),
        })
        .strict(),
    })
    .strict(),
]);
