import { TEST_KEY, authHeader } from './api-keys.js';

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
  count: number;
  concurrency: number;
  body: (index: number) => unknown;
  /** A request unanswered after this long counts as a hang. */
  timeoutMs?: number;
  /** Called after each answer with how many were acknowledged so far. */
  onAnswer?: (acknowledged: number) => void;
  /** The API key sent (TEST_KEY unless given). */
  key?: string;
}

/** Submits `count` tasks with `concurrency` requests in flight, over real HTTP. */
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
    while (next < options.count) {
      const index = next++;
      stats.submitted++;
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...authHeader(options.key ?? TEST_KEY.key),
          },
          body: JSON.stringify(options.body(index)),
          signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        });
        stats.statuses.set(response.status, (stats.statuses.get(response.status) ?? 0) + 1);
        const body = (await response.json()) as { id?: string };
        if (response.status === 201 && body.id) stats.acknowledged.push(body.id);
      } catch (error) {
        if (error instanceof Error && error.name === 'TimeoutError') stats.hangs++;
        else stats.refused++;
      }
      options.onAnswer?.(stats.acknowledged.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  return stats;
}
