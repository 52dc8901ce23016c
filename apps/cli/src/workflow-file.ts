import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { WorkflowSpecInput } from '@agentq/client';
import { UsageError } from './usage-error.js';

/** A workflow spec from a `.json`, `.yaml` or `.yml` file (the gateway validates it whole). */
export function parseWorkflowFile(text: string, file: string): WorkflowSpecInput {
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray((value as { steps?: unknown }).steps)
  ) {
    throw new UsageError(`${file}: expected a workflow with a list of steps`);
  }
  return value as WorkflowSpecInput;
}

export async function readWorkflowFile(file: string): Promise<WorkflowSpecInput> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return parseWorkflowFile(text, file);
}
