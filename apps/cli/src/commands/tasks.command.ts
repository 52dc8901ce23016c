import { Option, type Command } from 'commander';
import type { TaskView } from '@agentq/client';
import { PRIORITY_LEVELS, TASK_STATES } from '@agentq/contracts';
import type { CliRuntime } from '../cli-runtime.js';
import { ExitCode } from '../exit-code.js';
import { firstItems } from '../first-items.js';
import { TASK_TABLE_HEAD, taskFields, taskRow } from '../format/task-format.js';
import { integerArgument } from '../task-spec-options.js';
import { watchTask } from './run.command.js';

interface ListFlags {
  state?: TaskView['state'];
  pool?: string;
  agent?: string;
  priority?: TaskView['priority'];
  limit: number;
}

/** `get`, `list`, `watch`, `logs`, `cancel`, `retry`: one task (or the tenant's) by id. */
export function registerTaskCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('get')
    .description('show a task: state, attempts, times, result or error')
    .argument('<id>', 'the task id')
    .action(
      runtime.action(async (context, id: string) => {
        const task = await (await context.client()).tasks.get(id);
        if (context.out.mode === 'json') context.out.json(task);
        else context.out.fields(taskFields(context.out.colors, task));
        return ExitCode.Ok;
      }),
    );

  program
    .command('list')
    .description("list the tenant's tasks, newest first")
    .addOption(new Option('--state <state>', 'only tasks in this state').choices(TASK_STATES))
    .option('--pool <pool>', 'only tasks of this pool')
    .option('--agent <agent>', 'only tasks of this agent')
    .addOption(
      new Option('--priority <level>', 'only tasks of this priority').choices(PRIORITY_LEVELS),
    )
    .option('--limit <n>', 'at most this many', integerArgument, 20)
    .action(
      runtime.action(async (context, flags: ListFlags) => {
        const client = await context.client();
        const { state, pool, agent, priority } = flags;
        const tasks = await firstItems(flags.limit, (limit) =>
          client.tasks.list({ state, pool, agent, priority, limit }),
        );
        if (context.out.mode === 'json') context.out.json(tasks);
        else
          context.out.table(
            TASK_TABLE_HEAD,
            tasks.map((task) => taskRow(context.out.colors, task)),
          );
        return ExitCode.Ok;
      }),
    );

  program
    .command('watch')
    .description('follow a task live to its end (Ctrl-C detaches); exit code by outcome')
    .argument('<id>', 'the task id')
    .action(
      runtime.action(async (context, id: string) =>
        watchTask(context, await context.client(), id, { mayCancel: false }),
      ),
    );

  program
    .command('logs')
    .description("print the lines a task's agent logged")
    .argument('<id>', 'the task id')
    .option('-f, --follow', 'keep printing new lines until the task ends')
    .action(
      runtime.action(async (context, id: string, flags: { follow?: boolean }) => {
        const client = await context.client();
        if (flags.follow !== true) {
          const { logs } = await client.tasks.logs(id);
          if (context.out.mode === 'json') context.out.json(logs);
          else for (const line of logs) context.out.line(line);
          return ExitCode.Ok;
        }
        for await (const event of client.tasks.events(id)) {
          if (event.event !== 'log') continue;
          if (context.out.mode === 'json') context.out.jsonLine(event.data);
          else context.out.line(event.data.line);
        }
        return ExitCode.Ok;
      }),
    );

  for (const [name, description] of [
    ['cancel', 'cancel a task: removed if waiting, stopped if running'],
    ['retry', 'run a failed task again with all its attempts'],
  ] as const) {
    program
      .command(name)
      .description(description)
      .argument('<id>', 'the task id')
      .action(
        runtime.action(async (context, id: string) => {
          const client = await context.client();
          const task = await (name === 'cancel' ? client.tasks.cancel(id) : client.tasks.retry(id));
          if (context.out.mode === 'json') context.out.json(task);
          else context.out.line(`${task.id} ${task.state}`);
          return ExitCode.Ok;
        }),
      );
  }
}
