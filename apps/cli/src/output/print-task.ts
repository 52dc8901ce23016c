import type { TaskView } from '@agentq/client';
import { elapsed } from '../format/values.js';
import type { Printer } from './printer.js';

/** How a followed task ended: its state and time, then its result or its error. */
export function printFinishedTask(out: Printer, task: TaskView): void {
  if (out.mode === 'json') {
    out.json(task);
    return;
  }
  const { colors } = out;
  const took = elapsed(task.startedAt, task.finishedAt);
  switch (task.state) {
    case 'completed':
      out.line(`${colors.green('✔ completed')} in ${took}`);
      out.line(
        out.mode === 'tty'
          ? JSON.stringify(task.result, null, 2)
          : `result: ${JSON.stringify(task.result)}`,
      );
      return;
    case 'failed':
      out.line(`${colors.red('✖ failed')} after ${task.runs} run(s)`);
      if (task.error) out.line(`error: ${task.error.code}: ${task.error.message}`);
      return;
    case 'cancelled':
      out.line(colors.yellow('■ cancelled'));
      return;
    case 'waiting':
    case 'delayed':
    case 'active':
      out.line(`state: ${task.state}`);
      return;
  }
}
