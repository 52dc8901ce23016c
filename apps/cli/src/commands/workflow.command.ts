import { Option, type Command } from 'commander';
import type { AgentqClient, WorkflowState, WorkflowView } from '@agentq/client';
import { WORKFLOW_STATES } from '@agentq/contracts';
import type { CliContext } from '../cli-context.js';
import type { CliRuntime } from '../cli-runtime.js';
import { ExitCode, exitCodeOfState } from '../exit-code.js';
import { firstItems } from '../first-items.js';
import { onInterrupt } from '../live/interrupt-handler.js';
import { workflowRendererFor } from '../live/workflow-renderer.js';
import { WORKFLOW_TABLE_HEAD, printWorkflow, workflowRow } from '../output/print-workflow.js';
import { integerArgument } from '../task-spec-options.js';
import { readWorkflowFile } from '../workflow-file.js';

export function registerWorkflow(program: Command, runtime: CliRuntime): void {
  const workflow = program
    .command('workflow')
    .description('run, read and cancel workflows (DAGs of steps)');

  workflow
    .command('run')
    .description("submit a workflow file, show its steps' states live, then the outputs")
    .argument('<file>', 'the workflow spec: .yaml, .yml or .json')
    .action(
      runtime.action(async (context, file: string) => {
        const client = await context.client();
        const submitted = await client.workflows.submit(await readWorkflowFile(file));
        if (context.out.mode !== 'json') context.out.note(`workflow ${submitted.id} submitted`);
        return followWorkflow(context, client, submitted);
      }),
    );

  workflow
    .command('list')
    .description("list the tenant's workflows, newest first, with their steps done")
    .addOption(
      new Option('--state <state>', 'only workflows in this state').choices(WORKFLOW_STATES),
    )
    .option('--limit <n>', 'at most this many', integerArgument, 20)
    .action(
      runtime.action(async (context, flags: { state?: WorkflowState; limit: number }) => {
        const client = await context.client();
        const listed = await firstItems(flags.limit, (limit) =>
          client.workflows.list({ state: flags.state, limit }),
        );
        if (context.out.mode === 'json') context.out.json(listed);
        else
          context.out.table(
            WORKFLOW_TABLE_HEAD,
            listed.map((summary) => workflowRow(context.out.colors, summary)),
          );
        return ExitCode.Ok;
      }),
    );

  workflow
    .command('get')
    .description("show a workflow and each step's state and output")
    .argument('<id>', 'the workflow id')
    .action(
      runtime.action(async (context, id: string) => {
        printWorkflow(context.out, await (await context.client()).workflows.get(id));
        return ExitCode.Ok;
      }),
    );

  workflow
    .command('cancel')
    .description('cancel pending steps and abort running ones')
    .argument('<id>', 'the workflow id')
    .action(
      runtime.action(async (context, id: string) => {
        const view = await (await context.client()).workflows.cancel(id);
        if (context.out.mode === 'json') context.out.json(view);
        else context.out.line(`${view.id} ${view.state}`);
        return ExitCode.Ok;
      }),
    );
}

/** Follows the workflow's events to the final one, then prints it; Ctrl-C asks to cancel or detach. */
async function followWorkflow(
  context: CliContext,
  client: AgentqClient,
  submitted: WorkflowView,
): Promise<ExitCode> {
  const { id } = submitted;
  const renderer = workflowRendererFor(context.out, submitted.steps);
  const interrupt = onInterrupt(context, {
    what: `workflow ${id}`,
    renderer,
    cancel: () => client.workflows.cancel(id),
    mayCancel: true,
  });
  try {
    for await (const event of client.workflows.events(id, { signal: interrupt.detached })) {
      if (event.event === 'step') renderer.step(event.data.step, event.data.state);
      else renderer.workflow(event.data.state);
    }
  } catch (error) {
    if (!interrupt.detached.aborted) throw error;
  } finally {
    renderer.stop();
    interrupt.dispose();
  }
  if (interrupt.detached.aborted) {
    if (context.out.mode === 'json') context.out.json({ id, detached: true });
    else
      context.out.note(`detached: workflow ${id} goes on; see it with: agentq workflow get ${id}`);
    return ExitCode.Detached;
  }
  // The final event carries the state only: read the steps' outputs once.
  const finished = await client.workflows.get(id);
  printWorkflow(context.out, finished);
  return exitCodeOfState(finished.state);
}
