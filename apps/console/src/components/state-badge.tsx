/** A task's, step's or workflow's state as a colored label (the word is always written). */
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge badge-${state}`}>{state}</span>;
}
