import type { DeadLetterRedriven } from '@agentq/contracts';

/** A re-drive's answer in one sentence. */
export function redriveSummary(answer: DeadLetterRedriven): string {
  const parts = [`${answer.redriven.length} re-driven`];
  if (answer.notFound.length > 0) parts.push(`${answer.notFound.length} not found`);
  if (answer.conflicts.length > 0) {
    parts.push(
      `${answer.conflicts.length} already running again (${answer.conflicts
        .map((c) => `${c.id}: ${c.state}`)
        .join(', ')})`,
    );
  }
  return `${parts.join(', ')}; ${answer.remaining} dead letter${answer.remaining === 1 ? '' : 's'} left.`;
}
