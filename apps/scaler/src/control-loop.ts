import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { markFailed, tracer } from '@agentq/telemetry';
import type { PoolName } from '@agentq/contracts';
import type { Actuator, WorkerInfo } from './actuators/actuator.js';
import {
  decide,
  emptyHistory,
  type Decision,
  type DecisionHistory,
  type ScalingPolicy,
} from './decide.js';
import type { DecisionRecord } from './decision-store.js';
import type { ScalerMetrics } from './metrics.js';
import type { PoolReading } from './observe.js';
import { summarize, type PoolObservation, type RateState } from './rates.js';
import { scheduledMinimum, type ScheduleWindow } from './schedule.js';

export interface ControlLoopOptions {
  pools: readonly PoolName[];
  /** Reads one pool (observe.ts readPool in production, a fake in unit tests). */
  read: (pool: PoolName, now: number, since: number) => Promise<PoolReading>;
  /** Every pool's operator pin. */
  readPins: (pools: readonly PoolName[]) => Promise<Map<PoolName, number>>;
  actuator: Actuator;
  /** Whether this instance may act (leader lease). */
  isLeader: () => boolean;
  /** Checked in Redis just before a change is applied: still the leader, same fencing token. */
  confirmLeader: () => Promise<boolean>;
  fencingToken: () => number | undefined;
  policy: ScalingPolicy;
  schedule: readonly ScheduleWindow[];
  intervalMs: number;
  rateHalfLifeS: number;
  metrics: ScalerMetrics;
  /** Records each decision for /status and KEDA on every instance (DecisionStore). */
  publish: (record: DecisionRecord) => Promise<void>;
  /** The pool's last published decision (DecisionStore.latest): what a new leader restores. */
  lastPublished: (pool: PoolName) => Promise<DecisionRecord | undefined>;
  logger: Logger;
  /** Time source (ms); injected so tests drive the loop without waiting. */
  now?: () => number;
}

export interface PoolStatus {
  current: number;
  desired: number;
  pinned: number | undefined;
  observation: PoolObservation | undefined;
  /** The actuator's workers, when it knows them (local). */
  workers?: WorkerInfo[];
}

interface PoolState {
  rates: RateState | undefined;
  history: DecisionHistory;
  lastReadAt: number | undefined;
  /** Whether this leadership has restored the pool its predecessor published. */
  restored: boolean;
  status: PoolStatus;
}

/**
 * read -> decide -> actuate -> decision log, every interval, for every pool. Ticks never
 * overlap: the next is scheduled when the previous finished, so a slow Redis slows the
 * loop instead of piling up reads. Only the leader reads and acts; a standby waits.
 */
export class ControlLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private current: Promise<void> | undefined;
  private readonly state = new Map<PoolName, PoolState>();
  private readonly now: () => number;

  constructor(private readonly options: ControlLoopOptions) {
    this.now = options.now ?? Date.now;
    for (const pool of options.pools) {
      this.state.set(pool, {
        rates: undefined,
        history: emptyHistory,
        lastReadAt: undefined,
        restored: false,
        status: { current: 0, desired: 0, pinned: undefined, observation: undefined },
      });
    }
  }

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  /**
   * What this instance last saw and decided per pool; `current` and `workers` are what its
   * actuator runs now (a standby's local actuator: none, whatever the leader had).
   */
  async pools(): Promise<Record<string, PoolStatus>> {
    const { actuator } = this.options;
    const pools: Record<string, PoolStatus> = {};
    for (const [pool, state] of this.state) {
      pools[pool] = {
        ...state.status,
        current: await actuator.currentReplicas(pool),
        workers: await actuator.describe?.(pool),
      };
    }
    return pools;
  }

  /** One round over every pool; public so tests run it without timers. */
  async tick(): Promise<void> {
    const leader = this.options.isLeader();
    this.options.metrics.leader.set(leader ? 1 : 0);
    if (!leader) {
      // A standby forgets its smoothing: rates restart when it takes over.
      for (const state of this.state.values()) {
        state.rates = undefined;
        state.lastReadAt = undefined;
        state.restored = false;
      }
      // Only the leader publishes pool gauges: a scaler that lost the lease drops its stale
      // ones, so dashboards and alerts see one series per pool.
      this.options.metrics.resetPoolGauges();
      return;
    }
    const pins = await this.options.readPins(this.options.pools);
    this.options.metrics.activePins.set(pins.size);
    // One pool's failure (its Deployment missing, say) does not stop the others.
    await Promise.all(
      this.options.pools.map((pool) =>
        tracer.startActiveSpan(`agentq.scale ${pool}`, (span) =>
          this.tickPool(pool, pins.get(pool), span)
            .catch((err: unknown) => {
              markFailed(span, err, 'TICK_FAILED');
              this.options.logger.warn({ pool, err: (err as Error).message }, 'pool tick failed');
            })
            .finally(() => span.end()),
        ),
      ),
    );
  }

  /** One pool's read, decision and action; `span` (a tick's trace) gets the decision. */
  private async tickPool(pool: PoolName, pinned: number | undefined, span: Span): Promise<void> {
    const { metrics, policy, intervalMs } = this.options;
    const state = this.state.get(pool);
    if (!state) return;
    const now = this.now();
    const stopTimer = metrics.observation.startTimer({ pool });
    const reading = await this.options.read(pool, now, state.lastReadAt ?? now - intervalMs);
    stopTimer();
    const { observation, state: rates } = summarize(
      reading,
      state.rates,
      this.options.rateHalfLifeS,
      policy.concurrency,
    );
    state.rates = rates;
    state.lastReadAt = now;

    const { actuator } = this.options;
    if (!state.restored) {
      state.restored = true;
      const restore = await this.restore(pool, state, now);
      if (restore && !(await this.apply(pool, restore, now, observation))) return;
    }
    const current = await actuator.currentReplicas(pool);
    // Readiness from the actuator (local: its children's `ready`), else the live BullMQ
    // workers seen on the queue.
    const ready = actuator.readyReplicas
      ? await actuator.readyReplicas(pool)
      : Math.min(current, observation.workers);
    const { decision, history } = decide(
      {
        observation,
        current,
        scheduledMin: scheduledMinimum(this.options.schedule, now),
        pinned,
        ready,
        now,
      },
      policy,
      state.history,
    );
    span.setAttributes({
      'agentq.pool': pool,
      'agentq.scale.current': current,
      'agentq.scale.desired': decision.desired,
      'agentq.scale.reason': decision.reason,
    });
    if (!(await this.apply(pool, decision, now, observation))) return;
    state.history = history;
    state.status = { current, desired: decision.desired, pinned, observation };
  }

  /**
   * A new leader's first step: the pool its predecessor last published, at once (a local
   * actuator's workers died with that leader). The restored count seeds the stabilization
   * window, so the new leader does not scale it down before it has seen the load.
   */
  private async restore(
    pool: PoolName,
    state: PoolState,
    now: number,
  ): Promise<Decision | undefined> {
    const { policy, logger } = this.options;
    const last = await this.options.lastPublished(pool).catch((err: unknown) => {
      logger.warn({ pool, err: (err as Error).message }, 'cannot read the last decision');
      return undefined;
    });
    if (!last) return undefined;
    const target = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, last.desired));
    state.history = { ...emptyHistory, recommendations: [{ at: now, replicas: target }] };
    const current = await this.options.actuator.currentReplicas(pool);
    if (target <= current) return undefined;
    return {
      inputs: last.inputs,
      current,
      desired: target,
      direction: 'up',
      reason: 'takeover',
      rationale: `takeover: restoring the ${target} workers decided under fencing token ${last.fencingToken ?? '?'}; ${current} → ${target}`,
      objectiveMissSeconds: 0,
    };
  }

  /** Applies (if it changes the pool), publishes, counts and logs one decision; false when the lease was lost. */
  private async apply(
    pool: PoolName,
    decision: Decision,
    now: number,
    observation: PoolObservation,
  ): Promise<boolean> {
    const { metrics, actuator, logger } = this.options;
    const { current } = decision;
    if (decision.desired !== current) {
      if (!(await this.options.confirmLeader())) {
        logger.warn({ pool }, 'leader lease lost; decision not applied');
        return false;
      }
      await actuator.setReplicas(pool, decision.desired);
    }
    const record: DecisionRecord = {
      current: decision.current,
      desired: decision.desired,
      direction: decision.direction,
      reason: decision.reason,
      rationale: decision.rationale,
      objectiveMissSeconds: decision.objectiveMissSeconds,
      inputs: decision.inputs,
      at: new Date(now).toISOString(),
      pool,
      fencingToken: this.options.fencingToken(),
    };
    await this.options
      .publish(record)
      .catch((err: unknown) =>
        logger.warn({ pool, err: (err as Error).message }, 'cannot publish decision'),
      );
    metrics.decisions.inc({ pool, direction: decision.direction, reason: decision.reason });
    metrics.desired.set({ pool }, decision.desired);
    metrics.current.set({ pool }, current);
    metrics.liveWorkers.set({ pool }, observation.workers);
    metrics.liveSlots.set({ pool }, observation.slots);
    metrics.backlog.set({ pool }, observation.backlog);
    metrics.oldestWait.set({ pool }, observation.oldestWaitS);
    // Saturated: as many workers as allowed, and still work waiting.
    const saturated = current >= decision.inputs.maxReplicas && observation.backlog > 0;
    metrics.saturated.set({ pool }, saturated ? 1 : 0);
    metrics.objectiveMiss.set({ pool }, decision.objectiveMissSeconds);
    const level = decision.direction === 'none' ? 'debug' : 'info';
    this.options.logger[level](
      {
        pool,
        current,
        desired: decision.desired,
        reason: decision.reason,
        rationale: decision.rationale,
        backlog: observation.backlog,
        active: observation.active,
        workers: observation.workers,
        objectiveMissSeconds: decision.objectiveMissSeconds,
      },
      decision.direction === 'none' ? 'decision' : `scale ${decision.direction}`,
    );
    return true;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.current = this.tick()
        .catch((err: unknown) =>
          this.options.logger.warn({ err: (err as Error).message }, 'tick failed'),
        )
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
  }
}
