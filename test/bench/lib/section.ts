import type { Table } from './table.js';

/** What one part of the suite measured. */
export interface SectionResult {
  tables: Table[];
  /** Lines under the tables (ratios, bounds, what to read in the figures). */
  notes?: string[];
}

/** What every section gets from the suite. */
export interface BenchContext {
  /** Redis the section uses (the suite's own redis-server unless BENCH_REDIS_URL is set). */
  redisUrl: string;
  /** Factor on every size (jobs, seconds, runs); 1 is the full run, 0.1 a quick check. */
  scale: number;
  /** A key prefix no other measurement uses; the suite deletes its keys at the end. */
  prefix(name: string): string;
  /** A progress line on the console (not in the file). */
  log(message: string): void;
}

/** One part of the suite: `pnpm bench` runs each in turn and writes them all to one file. */
export interface Section {
  /** Short name for BENCH_ONLY (e.g. `submit`). */
  id: string;
  title: string;
  /** What is measured and how, written above the figures (markdown). */
  method: string;
  run(context: BenchContext): Promise<SectionResult>;
}

/** A size from the environment (as in BENCH_DRAIN_TASKS=50000), else `fallback` × scale. */
export function size(name: string, fallback: number, context: BenchContext, min = 1): number {
  const raw = process.env[name];
  if (raw !== undefined) {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`${name} must be a number ≥ ${min}`);
    return value;
  }
  return Math.max(min, Math.round(fallback * context.scale));
}
