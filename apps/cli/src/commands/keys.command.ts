import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { ExitCode } from '../exit-code.js';
import { UsageError } from '../usage-error.js';

interface KeyFlags {
  tenant?: string;
  scopes?: string;
  name?: string;
  ratePerMin?: string;
  burst?: string;
  taskRatePerMin?: string;
  taskBurst?: string;
}

export function registerKeys(program: Command, runtime: CliRuntime): void {
  const keys = program
    .command('keys')
    .description('API keys (made here, offline: no gateway needed)');
  keys
    .command('create')
    .description('make an API key; prints it once, and the line that makes the gateway accept it')
    .requiredOption('--tenant <id>', 'the tenant the key acts for')
    .requiredOption('--scopes <scope,...>', 'tasks:write, tasks:read, admin')
    .option('--name <name>', 'shown in logs instead of the key')
    .option('--rate-per-min <n>', 'requests per minute of this key')
    .option('--burst <n>', 'requests it may save up')
    .option('--task-rate-per-min <n>', 'tasks per minute of this key')
    .option('--task-burst <n>', 'tasks it may save up')
    .action(
      runtime.action(async (context, flags: KeyFlags) => {
        // Loaded only here: the queue package brings BullMQ, which no other command needs.
        const { createKey, describeCreatedKey, formatApiKeyLine } = await import('@agentq/queue');
        const created = createKey({
          tenant: flags.tenant,
          scopes: flags.scopes?.split(',').map((scope) => scope.trim()),
          name: flags.name,
          ratePerMinute: flags.ratePerMin,
          burst: flags.burst,
          taskRatePerMinute: flags.taskRatePerMin,
          taskBurst: flags.taskBurst,
        });
        if (!created.ok) throw new UsageError(created.error);
        if (context.out.mode === 'json') {
          context.out.json({
            key: created.key,
            entry: created.entry,
            line: formatApiKeyLine(created.entry),
          });
        } else {
          context.out.stdout.write(describeCreatedKey(created.key, created.entry));
        }
        return ExitCode.Ok;
      }),
    );
}
