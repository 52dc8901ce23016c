import { CronExpressionParser } from 'cron-parser';

/** A window during which a pool keeps at least `minReplicas` workers. */
export interface ScheduleWindow {
  /** Five- or six-field cron expression: when the window opens. */
  cron: string;
  /** How long the window stays open after each opening. */
  durationMs: number;
  minReplicas: number;
  /** IANA time zone of the cron expression. */
  tz: string;
}

/**
 * Parses `AGENTQ_SCALER_SCHEDULE`: windows `<cron>|<minutes>|<replicas>` separated by `;`,
 * e.g. `0 9 * * 1-5|480|3` keeps 3 workers from 09:00 for 8 hours on weekdays.
 * Throws with a message naming the bad window.
 */
export function parseSchedule(text: string, tz: string): ScheduleWindow[] {
  return text
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const [cron = '', minutes = '', replicas = ''] = part.split('|').map((f) => f.trim());
      const durationMin = Number(minutes);
      const minReplicas = Number(replicas);
      if (!(durationMin > 0) || !Number.isInteger(minReplicas) || minReplicas < 0) {
        throw new Error(`"${part}": expected <cron>|<minutes>|<replicas>`);
      }
      try {
        CronExpressionParser.parse(cron, { tz });
      } catch (error) {
        throw new Error(`"${part}": ${(error as Error).message}`, { cause: error });
      }
      return { cron, durationMs: durationMin * 60_000, minReplicas, tz };
    });
}

/** The highest minimum of the windows open at `now` (0 when none is). */
export function scheduledMinimum(windows: readonly ScheduleWindow[], now: number): number {
  let minimum = 0;
  for (const window of windows) {
    // The latest opening at or before now (prev() is strictly before its start date).
    const opened = CronExpressionParser.parse(window.cron, {
      tz: window.tz,
      currentDate: new Date(now + 1),
    })
      .prev()
      .getTime();
    if (now - opened < window.durationMs) minimum = Math.max(minimum, window.minReplicas);
  }
  return minimum;
}
