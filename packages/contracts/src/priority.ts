import { z } from 'zod';

/** Named priority levels, most urgent first. */
export const PRIORITY_LEVELS = ['critical', 'high', 'normal', 'low'] as const;
export const PriorityLevelSchema = z.enum(PRIORITY_LEVELS);
export type PriorityLevel = z.infer<typeof PriorityLevelSchema>;

export const DEFAULT_PRIORITY: PriorityLevel = 'normal';

/**
 * BullMQ priority for each level: lower runs first, FIFO within one value.
 * Never 0: BullMQ runs unprioritized (0) jobs before every prioritized one, so a
 * `low` task mapped to 0 would overtake `critical` ones.
 */
export const Priority: Readonly<Record<PriorityLevel, number>> = {
  critical: 1,
  high: 2,
  normal: 3,
  low: 4,
};

/** The level a stored BullMQ priority stands for (the inverse of {@link Priority}). */
export function priorityLevelOf(bullPriority: number): PriorityLevel {
  const level = PRIORITY_LEVELS.find((name) => Priority[name] === bullPriority);
  return level ?? DEFAULT_PRIORITY;
}
