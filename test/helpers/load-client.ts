import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayFetch } from './http.js';

/** What a burst of submits saw. */
export interface SubmitStats {
  submitted: number;
  acknowledged: string[];
  /** Answers by status code (201 included). */
  statuses: Map<number, number>;
  /** Requests with no answer within the time limit. */
  hangs: number;
  /** Connection errors (the gateway itself was down). */
  refused: number;
}

export interface SubmitLoadOptions {
  url: string;
  /** Most tasks to submit. */
  count: number;
  concurrency: number;
  body: (index: number) => unknown;
  /** A request unanswered after this long counts as a hang. */
  timeoutMs?: number;
  /** Called after each answer with how many were acknowledged so far. */
  onAnswer?: (acknowledged: number) => void;
  /** Checked before each submit: true ends the run early (a load that lasts a while). */
  done?: () => boolean;
  /** A lane that got anything but 201 waits this long before its next submit, as a client backing off. */
  backoffMs?: number;
}

/** Submits up to `count` tasks with `concurrency` requests in flight, over real HTTP. */
export async function submitLoad(options: SubmitLoadOptions): Promise<SubmitStats> {
  const stats: SubmitStats = {
    submitted: 0,
    acknowledged: [],
    statuses: new Map(),
    hangs: 0,
    refused: 0,
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < options.count && !options.done?.()) {
      const index = next++;
      stats.submitted++;
      let acknowledged = false;
      try {
        const response = await gatewayFetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(options.body(index)),
          signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        });
        stats.statuses.set(response.status, (stats.statuses.get(response.status) ?? 0) + 1);
        const body = (await response.json()) as { id?: string };
        if (response.status === 201 && body.id) {
          stats.acknowledged.push(body.id);
          acknowledged = true;
        }
      } catch (error) {
        // A DOMException (the timeout) is no Error in every realm (jest's vm): test the name.
        if ((error as { name?: unknown }).name === 'TimeoutError') stats.hangs++;
        else stats.refused++;
      }
      options.onAnswer?.(stats.acknowledged.length);
      if (!acknowledged && options.backoffMs) await sleep(options.backoffMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  return stats;
}

/** The one-line summary every fault scenario prints. */
export function outcomeLine(
  scenario: string,
  stats: SubmitStats,
  outcome: { completed: number; lost: readonly string[]; ranTwice: number },
): string {
  const answers = JSON.stringify(Object.fromEntries(stats.statuses));
  return `${scenario}: submitted ${stats.submitted} / acknowledged ${stats.acknowledged.length} / completed ${outcome.completed} / lost ${outcome.lost.length} / ran-twice ${outcome.ranTwice} (answers ${answers}, hangs ${stats.hangs}, refused ${stats.refused})\n`;
}
