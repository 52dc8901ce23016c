import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { ExitCode } from '../exit-code.js';
import { firstItems } from '../first-items.js';
import { inline } from '../format/values.js';
import { integerArgument } from '../task-spec-options.js';
import { UsageError } from '../usage-error.js';

export function registerDlq(program: Command, runtime: CliRuntime): void {
  const dlq = program
    .command('dlq')
    .description('tasks that failed for good: list, show, run again');

  dlq
    .command('list')
    .description('dead letters, newest failure first')
    .option('--pool <pool>', 'only this pool')
    .option('--limit <n>', 'at most this many', integerArgument, 20)
    .action(
      runtime.action(async (context, flags: { pool?: string; limit: number }) => {
        const client = await context.client();
        const entries = await firstItems(flags.limit, (limit) =>
          client.deadLetters.list({ pool: flags.pool, limit }),
        );
        if (context.out.mode === 'json') {
          context.out.json(entries);
          return ExitCode.Ok;
        }
        context.out.table(
          ['id', 'agent', 'pool', 'error', 'attempts', 'failed at'],
          entries.map((entry) => [
            entry.id,
            entry.agent,
            entry.pool,
            entry.error.code,
            String(entry.attemptsMade),
            entry.failedAt,
          ]),
        );
        return ExitCode.Ok;
      }),
    );

  dlq
    .command('show')
    .description('one dead letter: its input and every failed attempt')
    .argument('<id>', 'the task id')
    .action(
      runtime.action(async (context, id: string) => {
        const entry = await (await context.client()).deadLetters.get(id);
        if (context.out.mode === 'json') {
          context.out.json(entry);
          return ExitCode.Ok;
        }
        context.out.fields([
          ['id', entry.id],
          ['agent', entry.agent],
          ['pool', entry.pool],
          ['priority', entry.priority],
          ['input', inline(entry.input)],
          ['error', context.out.colors.red(`${entry.error.code}: ${entry.error.message}`)],
          ['created', entry.createdAt],
          ['failed', entry.failedAt],
        ]);
        context.out.table(
          ['attempt', 'code', 'message', 'failed at'],
          entry.attempts.map((attempt) => [
            String(attempt.attempt),
            attempt.code,
            attempt.message,
            attempt.failedAt,
          ]),
        );
        return ExitCode.Ok;
      }),
    );

  dlq
    .command('redrive')
    .description("run dead letters again with fresh attempts: by id, or a pool's oldest")
    .argument('[ids...]', 'task ids')
    .option('--pool <pool>', "the pool's oldest instead of ids")
    .option('--limit <n>', 'with --pool: at most this many (default 100)', integerArgument)
    .action(
      runtime.action(async (context, ids: string[], flags: { pool?: string; limit?: number }) => {
        if (ids.length > 0 === (flags.pool !== undefined)) {
          throw new UsageError('give either task ids or --pool');
        }
        const client = await context.client();
        const result = await client.deadLetters.redrive(
          flags.pool === undefined ? { ids } : { pool: flags.pool, limit: flags.limit },
        );
        if (context.out.mode === 'json') {
          context.out.json(result);
          return ExitCode.Ok;
        }
        context.out.line(`redriven: ${result.redriven.length}`);
        for (const id of result.redriven) context.out.line(`  ${id}`);
        if (result.notFound.length > 0) context.out.line(`not found: ${result.notFound.join(' ')}`);
        if (result.conflicts.length > 0)
          context.out.line(
            `not failed: ${result.conflicts.map(({ id, state }) => `${id} (${state})`).join(' ')}`,
          );
        context.out.line(`remaining: ${result.remaining}`);
        return ExitCode.Ok;
      }),
    );
}
