import type { BudgetUse } from '@agentq/contracts';
import { formatCount } from '../../format/format.js';

/** How full a budget's last minute is, for its bar: `ok`, then `high` from 80 %, `full`. */
export type GaugeLevel = 'ok' | 'high' | 'full';

/** Share of the limit at which the bar turns to `high`. */
const HIGH_SHARE = 0.8;

/**
 * A budget measure as the providers page shows it: the last minute's use against the limit
 * (`450 / 600`), the share to draw (at most 1), and how full it is; without a limit, the use
 * alone (when counted) and no bar.
 */
export function budgetGauge(use: BudgetUse): {
  text: string;
  share: number | null;
  level: GaugeLevel;
} {
  const used = use.lastMinute;
  if (use.limit === null) {
    return {
      text: used === null ? 'no limit' : `${formatCount(used)} · no limit`,
      share: null,
      level: 'ok',
    };
  }
  const taken = used ?? 0;
  const share = Math.min(1, taken / use.limit);
  return {
    text: `${formatCount(taken)} / ${formatCount(use.limit)}`,
    share,
    level: taken >= use.limit ? 'full' : share >= HIGH_SHARE ? 'high' : 'ok',
  };
}
