import type { Command } from 'commander';
import type { AgentqClient, TaskView } from '@agentq/client';
import type { CliContext } from '../cli-context.js';
import type { CliRuntime } from '../cli-runtime.js';
import { ExitCode, exitCodeOfState } from '../exit-code.js';
import { followTask } from '../live/follow-task.js';
import { onInterrupt } from '../live/interrupt-handler.js';
import { taskRendererFor } from '../live/task-renderer.js';
import { printFinishedTask } from '../output/print-task.js';
import { taskSpecOf, taskSpecOptions, type TaskSpecFlags } from '../task-spec-options.js';

export function registerRun(program: Command, runtime: CliRuntime): void {
  const run = program
    .command('run')
    .description('submit a task, show its progress and log lines live, then its result')
    .argument('<agent>', 'the agent to run (echo, sim, ...)');
  for (const option of taskSpecOptions()) run.addOption(option);
  run.action(
    runtime.action(async (context, agent: string, flags: TaskSpecFlags) => {
      const client = await context.client();
      const { id } = await client.tasks.submit(await taskSpecOf(agent, flags));
      if (context.out.mode !== 'json') context.out.note(`task ${id} submitted`);
      return watchTask(context, client, id, { mayCancel: true });
    }),
  );
}

/**
 * Follows the task to its end and prints how it ended; its exit code says how. Ctrl-C asks
 * to cancel or detach when `mayCancel` (a task we started), else detaches.
 */
export async function watchTask(
  context: CliContext,
  client: AgentqClient,
  id: string,
  { mayCancel }: { mayCancel: boolean },
): Promise<ExitCode> {
  const renderer = taskRendererFor(context.out, `task ${id}`);
  const interrupt = onInterrupt(context, {
    what: `task ${id}`,
    renderer,
    cancel: () => client.tasks.cancel(id),
    mayCancel,
  });
  let final: TaskView | undefined;
  try {
    final = await followTask(client, id, renderer, interrupt.detached);
  } finally {
    interrupt.dispose();
  }
  if (final === undefined) {
    if (context.out.mode === 'json') context.out.json({ id, detached: true });
    else context.out.note(`detached: task ${id} goes on; follow it with: agentq watch ${id}`);
    return ExitCode.Detached;
  }
  printFinishedTask(context.out, final);
  return exitCodeOfState(final.state);
}
