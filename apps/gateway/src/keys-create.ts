// `pnpm --filter @agentq/gateway keys:create --tenant acme --scopes tasks:write,tasks:read`:
// makes a new API key, prints it once, and prints the line to add to the keys file.
import { parseArgs } from 'node:util';
import { createKey, describeCreatedKey } from '@agentq/queue';

const USAGE = `usage: keys:create --tenant <id> --scopes <scope,...> [--name <name>]
  [--rate-per-min <n> --burst <n>] [--task-rate-per-min <n> --task-burst <n>]
scopes: tasks:write, tasks:read, admin`;

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        tenant: { type: 'string' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        'rate-per-min': { type: 'string' },
        burst: { type: 'string' },
        'task-rate-per-min': { type: 'string' },
        'task-burst': { type: 'string' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const created = createKey({
    tenant: values.tenant,
    scopes: values.scopes?.split(',').map((scope) => scope.trim()),
    name: values.name,
    ratePerMinute: values['rate-per-min'],
    burst: values.burst,
    taskRatePerMinute: values['task-rate-per-min'],
    taskBurst: values['task-burst'],
  });
  if (!created.ok) {
    process.stderr.write(`${created.error}\n${USAGE}\n`);
    return 2;
  }
  process.stdout.write(describeCreatedKey(created.key, created.entry));
  return 0;
}

process.exitCode = main();
