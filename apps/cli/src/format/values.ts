/** A value for a table cell or a line: JSON for anything but a string. */
export function inline(value: unknown): string {
  if (value === undefined || value === null) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `1.2s`, `3m04s`, `250ms`: how long something took, to the precision a person reads. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  if (minutes < 60) return `${minutes}m${String(seconds).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Time between two ISO timestamps (the second defaults to now); `-` when the first is missing. */
export function elapsed(from: string | null, to: string | null, now = Date.now()): string {
  if (from === null) return '-';
  const end = to === null ? now : Date.parse(to);
  return formatDuration(Math.max(0, end - Date.parse(from)));
}

/** A progress report as a percentage, when it is a number (agents may report anything). */
export function progressPercent(progress: unknown): number | undefined {
  if (typeof progress !== 'number' || !Number.isFinite(progress)) return undefined;
  return Math.min(100, Math.max(0, progress));
}
