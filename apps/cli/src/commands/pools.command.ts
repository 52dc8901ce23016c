import type { Command } from 'commander';
import type { PoolHistoryView, PoolStats } from '@agentq/client';
import type { CliRuntime } from '../cli-runtime.js';
import { ExitCode } from '../exit-code.js';
import { formatDuration } from '../format/values.js';
import { integerArgument } from '../task-spec-options.js';

/** A pool's counts over the history window, summed minute by minute. */
export interface PoolWindow {
  started: number;
  completed: number;
  failed: number;
  retried: number;
  /** The worst minute's p95 submit→start latency (ms), null when nothing started. */
  worstP95Ms: number | null;
}

export function summarizeHistory(history: PoolHistoryView): Map<string, PoolWindow> {
  const windows = new Map<string, PoolWindow>();
  for (const { pool, minutes } of history.pools) {
    const window: PoolWindow = {
      started: 0,
      completed: 0,
      failed: 0,
      retried: 0,
      worstP95Ms: null,
    };
    for (const minute of minutes) {
      window.started += minute.started;
      window.completed += minute.completed;
      window.failed += minute.failed;
      window.retried += minute.retried;
      const p95 = minute.startLatencyMs.p95;
      if (p95 !== null) window.worstP95Ms = Math.max(window.worstP95Ms ?? 0, p95);
    }
    windows.set(pool, window);
  }
  return windows;
}

export function poolRow(pool: PoolStats, window: PoolWindow | undefined): string[] {
  const { counts } = pool;
  const oldest = pool.oldestWaitingAgeSeconds;
  return [
    pool.pool,
    String(counts.waiting + counts.prioritized),
    String(counts.delayed),
    String(counts.active),
    oldest === null ? '-' : formatDuration(oldest * 1000),
    `${pool.workers}/${pool.slots}`,
    String(window?.completed ?? 0),
    String(window?.failed ?? 0),
    String(window?.retried ?? 0),
    window?.worstP95Ms == null ? '-' : formatDuration(window.worstP95Ms),
  ];
}

export function registerPools(program: Command, runtime: CliRuntime): void {
  program
    .command('pools')
    .description('each pool: backlog, workers and slots, and what it did in the last minutes')
    .option('--minutes <n>', 'the history window (1-120)', integerArgument, 15)
    .action(
      runtime.action(async (context, flags: { minutes: number }) => {
        const client = await context.client();
        const [pools, history] = await Promise.all([
          client.pools.list(),
          client.pools.history({ minutes: flags.minutes }),
        ]);
        if (context.out.mode === 'json') {
          context.out.json({ pools, history: history.pools });
          return ExitCode.Ok;
        }
        const windows = summarizeHistory(history);
        const last = `${flags.minutes}m`;
        context.out.table(
          [
            'pool',
            'waiting',
            'delayed',
            'active',
            'oldest wait',
            'workers/slots',
            `done ${last}`,
            `failed ${last}`,
            `retried ${last}`,
            `p95 start ${last}`,
          ],
          pools.map((pool) => poolRow(pool, windows.get(pool.pool))),
        );
        return ExitCode.Ok;
      }),
    );
}
