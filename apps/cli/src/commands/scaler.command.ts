import type { Command } from 'commander';
import type { ScalerStatusView } from '@agentq/client';
import type { CliRuntime } from '../cli-runtime.js';
import { ExitCode } from '../exit-code.js';
import { inline } from '../format/values.js';
import { integerArgument } from '../task-spec-options.js';

/** One row per pool: the counts, the pin, and the newest decision's reason. */
export function scalerRows(status: ScalerStatusView): string[][] {
  return Object.entries(status.pools).map(([pool, view]) => {
    const latest = status.decisions.find((decision) => decision.pool === pool);
    return [
      pool,
      String(view.current),
      String(view.desired),
      inline(view.pinned),
      inline(view.observation?.backlog),
      inline(view.observation?.active),
      latest === undefined ? '-' : `${latest.reason}: ${latest.rationale}`,
    ];
  });
}

export function registerScaler(program: Command, runtime: CliRuntime): void {
  const scaler = program
    .command('scaler')
    .description('the scaler through the gateway (admin key): status, decisions, pins');

  scaler
    .command('status')
    .description('per pool: current, desired and pinned workers, backlog, latest decision')
    .action(
      runtime.action(async (context) => {
        const status = await (await context.client()).scaler.status();
        if (context.out.mode === 'json') {
          context.out.json(status);
          return ExitCode.Ok;
        }
        context.out.line(`leader: ${status.leader ? 'yes' : 'no (a standby answered)'}`);
        context.out.table(
          ['pool', 'current', 'desired', 'pinned', 'backlog', 'active', 'latest decision'],
          scalerRows(status),
        );
        return ExitCode.Ok;
      }),
    );

  scaler
    .command('decisions')
    .description('decisions that changed a count, newest first')
    .option('--pool <pool>', 'only this pool')
    .option('--limit <n>', 'at most this many (1-500)', integerArgument, 20)
    .action(
      runtime.action(async (context, flags: { pool?: string; limit: number }) => {
        const page = await (
          await context.client()
        ).scaler.decisions({ pool: flags.pool, limit: flags.limit });
        if (context.out.mode === 'json') {
          context.out.json(page);
          return ExitCode.Ok;
        }
        context.out.table(
          ['at', 'pool', 'from', 'to', 'reason', 'rationale'],
          page.decisions.map((decision) => [
            decision.at,
            decision.pool,
            String(decision.current),
            String(decision.desired),
            decision.reason,
            decision.rationale,
          ]),
        );
        return ExitCode.Ok;
      }),
    );

  scaler
    .command('pin')
    .description('hold a pool at this many workers, whatever the policy decides')
    .argument('<pool>', 'the pool')
    .argument('<replicas>', 'workers', integerArgument)
    .option(
      '--ttl <seconds>',
      "how long the pin lasts (the scaler's default when absent)",
      integerArgument,
    )
    .action(
      runtime.action(async (context, pool: string, replicas: number, flags: { ttl?: number }) => {
        const pin = await (
          await context.client()
        ).scaler.pin(pool, { replicas, ttlSeconds: flags.ttl });
        if (context.out.mode === 'json') context.out.json(pin);
        else
          context.out.line(
            `${pool} pinned to ${replicas}${pin.ttlSeconds === undefined ? '' : ` for ${pin.ttlSeconds}s`}`,
          );
        return ExitCode.Ok;
      }),
    );

  scaler
    .command('unpin')
    .description('hand a pool back to the policy')
    .argument('<pool>', 'the pool')
    .action(
      runtime.action(async (context, pool: string) => {
        const unpinned = await (await context.client()).scaler.unpin(pool);
        if (context.out.mode === 'json') context.out.json(unpinned);
        else context.out.line(`${pool} unpinned`);
        return ExitCode.Ok;
      }),
    );
}
