import { formatDuration } from '../../format/format.js';

/** A pool's oldest wait as the overview shows it: against the objective when known. */
export function waitAgainstObjective(
  waitSeconds: number | null,
  objectiveSeconds: number | undefined,
): { text: string; over: boolean } {
  const wait = waitSeconds === null ? '—' : formatDuration(waitSeconds * 1000);
  if (objectiveSeconds === undefined) return { text: wait, over: false };
  return {
    text: `${wait} / ${formatDuration(objectiveSeconds * 1000)}`,
    over: waitSeconds !== null && waitSeconds > objectiveSeconds,
  };
}
