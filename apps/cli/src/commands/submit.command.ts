import cliProgress from 'cli-progress';
import { Option, type Command } from 'commander';
import type { AgentqClient, TaskAccepted, TaskSpecInput } from '@agentq/client';
import { chunks, readBatchFile } from '../batch-file.js';
import type { CliContext } from '../cli-context.js';
import type { CliRuntime } from '../cli-runtime.js';
import { ExitCode } from '../exit-code.js';
import {
  readJsonInput,
  specFieldsFromFlags,
  taskSpecFromFlags,
  taskSpecOptions,
  type TaskSpecFlags,
} from '../task-spec-options.js';
import { UsageError } from '../usage-error.js';

interface SubmitFlags extends TaskSpecFlags {
  batch?: string;
}

export function registerSubmit(program: Command, runtime: CliRuntime): void {
  const submit = program
    .command('submit')
    .description('queue a task (or a JSONL file of them with --batch) and print its id; no waiting')
    .argument('[agent]', 'the agent; with --batch, each line is then its input');
  for (const option of taskSpecOptions()) submit.addOption(option);
  submit.addOption(
    new Option(
      '--batch <file.jsonl>',
      'one task spec per line (or one input per line with <agent>)',
    ),
  );
  submit.action(
    runtime.action(async (context, agent: string | undefined, flags: SubmitFlags) => {
      const client = await context.client();
      if (flags.batch !== undefined) return submitBatch(context, client, agent, flags.batch, flags);
      if (agent === undefined) throw new UsageError('name the agent to run, or pass --batch');
      const input = flags.input === undefined ? undefined : await readJsonInput(flags.input);
      const accepted = await client.tasks.submit(taskSpecFromFlags(agent, input, flags));
      if (context.out.mode === 'json') context.out.json(accepted);
      else context.out.line(accepted.id);
      return ExitCode.Ok;
    }),
  );
}

async function submitBatch(
  context: CliContext,
  client: AgentqClient,
  agent: string | undefined,
  file: string,
  flags: TaskSpecFlags,
): Promise<ExitCode> {
  if (flags.input !== undefined) throw new UsageError('--input and --batch do not go together');
  // A key names the whole batch: each slice gets one from it, each task one from its slice's.
  const { idempotencyKey, ...base } = specFieldsFromFlags(flags);
  const specs: TaskSpecInput[] = await readBatchFile(file, agent, base);
  const bar =
    context.out.mode === 'tty'
      ? new cliProgress.SingleBar(
          {
            stream: context.out.stderr,
            format: 'submitting {bar} {value}/{total}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(specs.length, 0);
  const accepted: TaskAccepted[] = [];
  try {
    for (const [index, chunk] of chunks(specs).entries()) {
      const key = idempotencyKey === undefined ? undefined : `${idempotencyKey}-${index}`;
      const { tasks } = await client.tasks.submitBatch(chunk, { idempotencyKey: key });
      accepted.push(...tasks);
      bar?.update(accepted.length);
    }
  } catch (error) {
    // Earlier slices are queued: their ids must not be lost with the error.
    bar?.stop();
    context.out.note(`queued ${accepted.length} of ${specs.length} before the error`);
    printAccepted(context, accepted);
    throw error;
  }
  bar?.stop();
  printAccepted(context, accepted);
  return ExitCode.Ok;
}

function printAccepted(context: CliContext, accepted: readonly TaskAccepted[]): void {
  if (context.out.mode === 'json') context.out.json({ tasks: accepted });
  else for (const task of accepted) context.out.line(task.id);
}
