import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import { PRIORITY_LEVELS, type TaskSpecInput } from '@agentq/contracts';
import { UsageError } from './usage-error.js';

/** The options `run` and `submit` share: how a task is queued. */
export interface TaskSpecFlags {
  input?: string;
  pool?: string;
  priority?: TaskSpecInput['priority'];
  delay?: number;
  attempts?: number;
  timeout?: number;
  idempotencyKey?: string;
}

export function integerArgument(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new InvalidArgumentError('expected a whole number');
  }
  return number;
}

export function taskSpecOptions(): Option[] {
  return [
    new Option('-i, --input <json>', "the agent's input: JSON, or @file.json"),
    new Option('--pool <pool>', 'the worker pool (default: default)'),
    new Option('--priority <level>', 'the priority').choices(PRIORITY_LEVELS),
    new Option('--delay <ms>', 'start no earlier than this').argParser(integerArgument),
    new Option('--attempts <n>', 'runs before the task fails (1-20)').argParser(integerArgument),
    new Option('--timeout <ms>', 'time limit of one attempt').argParser(integerArgument),
    new Option('--idempotency-key <key>', 'the same key gives the same task'),
  ];
}

/** Reads `--input`: inline JSON, or `@path` for a JSON file. */
export async function readJsonInput(
  value: string,
  read: (file: string) => Promise<string> = (file) => readFile(file, 'utf8'),
): Promise<unknown> {
  const fromFile = value.startsWith('@');
  const where = fromFile ? value.slice(1) : '--input';
  let text = value;
  if (fromFile) {
    try {
      text = await read(value.slice(1));
    } catch (error) {
      throw new UsageError(`cannot read ${where}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${where} is not JSON: ${(error as Error).message}`);
  }
}

/** What the flags set of a spec; unset flags are left out so the gateway's defaults apply. */
export function specFieldsFromFlags(flags: TaskSpecFlags): Omit<TaskSpecInput, 'agent' | 'input'> {
  const fields: Omit<TaskSpecInput, 'agent' | 'input'> = {};
  if (flags.pool !== undefined) fields.pool = flags.pool;
  if (flags.priority !== undefined) fields.priority = flags.priority;
  if (flags.delay !== undefined) fields.delayMs = flags.delay;
  if (flags.attempts !== undefined) fields.attempts = flags.attempts;
  if (flags.timeout !== undefined) fields.timeoutMs = flags.timeout;
  if (flags.idempotencyKey !== undefined) fields.idempotencyKey = flags.idempotencyKey;
  return fields;
}

export function taskSpecFromFlags(
  agent: string,
  input: unknown,
  flags: TaskSpecFlags,
): TaskSpecInput {
  return { agent, ...(input === undefined ? {} : { input }), ...specFieldsFromFlags(flags) };
}

/** The spec of `agent` with the flags' `--input`, read. */
export async function taskSpecOf(agent: string, flags: TaskSpecFlags): Promise<TaskSpecInput> {
  const input = flags.input === undefined ? undefined : await readJsonInput(flags.input);
  return taskSpecFromFlags(agent, input, flags);
}
