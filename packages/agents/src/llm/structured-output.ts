import { Ajv, type ValidateFunction } from 'ajv';
import { InvalidInputError, TransientError } from '../errors.js';
import type { ResponseFormat } from './chat.js';

const ajv = new Ajv({ allErrors: true, strict: false });
/** Compiled schemas by their JSON text: a task type sends the same schema every time. */
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 1000;

function validatorOf(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new InvalidInputError(
        `responseFormat.json_schema.schema is not a valid JSON Schema: ${(error as Error).message}`,
      );
    }
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

/** Checks a JSON Schema before the call, so a bad one costs no tokens. */
export function assertUsableFormat(format: ResponseFormat | undefined): void {
  if (format?.type === 'json_schema' && format.json_schema.schema) {
    validatorOf(format.json_schema.schema);
  }
}

/**
 * The answer of a JSON `responseFormat`, parsed and, for `json_schema`, checked. The rule:
 * an answer that is not the JSON asked for is transient (models are not deterministic, a
 * retry may well conform), unless the model stopped at its token limit (`length`): then a
 * retry would be cut the same way, and the task's input must give it more `maxTokens`.
 */
export function parseStructured(
  content: string,
  format: ResponseFormat | undefined,
  finishReason: string | null,
): { parsed?: unknown } {
  if (format === undefined || format.type === 'text') return {};
  const fail = (problem: string) =>
    finishReason === 'length'
      ? new InvalidInputError(
          `the model's answer was cut at its token limit and ${problem}: raise maxTokens`,
        )
      : new TransientError(`the model's answer ${problem}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw fail('is not valid JSON');
  }
  if (format.type === 'json_schema' && format.json_schema.schema) {
    const validate = validatorOf(format.json_schema.schema);
    if (!validate(parsed)) {
      const first = validate.errors?.[0];
      throw fail(
        `does not match schema "${format.json_schema.name}": ${first?.instancePath || '(root)'} ${first?.message ?? ''}`.trim(),
      );
    }
  }
  return { parsed };
}
