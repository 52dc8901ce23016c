import { readFile } from 'node:fs/promises';
import type { TaskSpecInput } from '@agentq/contracts';
import { UsageError } from './usage-error.js';

/** The most tasks the API takes in one batch. */
export const BATCH_MAX = 1000;

/**
 * The specs of a JSONL file (blank lines skipped). With `agent`, each line is that agent's
 * input and `base` (the flags) applies to all; without, each line is a whole spec over `base`.
 */
export function specsFromJsonLines(
  text: string,
  file: string,
  agent: string | undefined,
  base: Omit<TaskSpecInput, 'agent' | 'input'>,
): TaskSpecInput[] {
  const specs: TaskSpecInput[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UsageError(`${file}:${index + 1}: not JSON: ${(error as Error).message}`);
    }
    if (agent !== undefined) {
      specs.push({ ...base, agent, input: value });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UsageError(`${file}:${index + 1}: expected a task spec object (or name the agent)`);
    }
    specs.push({ ...base, ...(value as TaskSpecInput) });
  });
  if (specs.length === 0) throw new UsageError(`${file}: no tasks`);
  return specs;
}

export async function readBatchFile(
  file: string,
  agent: string | undefined,
  base: Omit<TaskSpecInput, 'agent' | 'input'>,
): Promise<TaskSpecInput[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return specsFromJsonLines(text, file, agent, base);
}

/** Slices of at most `size`, in order. */
export function chunks<T>(items: readonly T[], size = BATCH_MAX): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    slices.push(items.slice(start, start + size));
  return slices;
}
