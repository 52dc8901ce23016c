import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../errors.js';

export interface BreakerOptions {
  /** Failures in a row (counted over every worker) that open the circuit. @defaultValue 5 */
  consecutiveFailures?: number;
  /** How long it stays open before one trial call is let through. @defaultValue 30000 */
  halfOpenAfterMs?: number;
  /**
   * How long the trial call holds the half-open circuit before another worker may try:
   * a worker that dies mid-probe must not keep the circuit shut. @defaultValue 120000
   */
  probeLeaseMs?: number;
}

/** Wait suggested to calls refused while the one trial call is running. */
const HALF_OPEN_RETRY_MS = 1000;

/** How a circuit lets a call through. */
export type Admission = 'closed' | 'probe';

/** The state of a provider's circuit as every worker sees it. */
export type CircuitState = 'closed' | 'open' | 'half-open';

// One hash per provider: `failures` in a row while closed; `openUntil` (Redis clock, ms)
// once it opened, kept after it passed so the circuit reads half-open; `probe` and
// `probeUntil` for the one trial call. A missing hash is a closed circuit with no failures.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// ARGV: token, probeLeaseMs. Returns {waitMs, admission}: admission 0 = refused,
// 1 = an ordinary call (closed), 2 = the trial call.
const ADMIT = `${NOW}
local s = redis.call('HMGET', KEYS[1], 'openUntil', 'probe', 'probeUntil')
local openUntil = tonumber(s[1])
if not openUntil then return {0, 1} end
if openUntil > now then return {openUntil - now, 0} end
local probeUntil = tonumber(s[3]) or 0
if s[2] and probeUntil > now then return {math.min(${HALF_OPEN_RETRY_MS}, probeUntil - now), 0} end
redis.call('HSET', KEYS[1], 'probe', ARGV[1], 'probeUntil', now + tonumber(ARGV[2]))
return {0, 2}
`;

// ARGV: token. A success while closed clears the count; the trial call's success closes.
const SUCCEED = `
local s = redis.call('HMGET', KEYS[1], 'openUntil', 'probe', 'failures')
if not s[1] then
  if s[3] then redis.call('DEL', KEYS[1]) end
  return 'closed'
end
if s[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 'closed'
end
return 'ignored'
`;

// ARGV: token, threshold, openMs, trip (1 opens at once). A failure while closed counts
// (and opens at the threshold); the trial call's failure opens again. Failures of calls
// let through before the circuit opened change nothing once it is open.
const FAIL = `${NOW}
local s = redis.call('HMGET', KEYS[1], 'openUntil', 'probe')
local openMs = tonumber(ARGV[3])
local function open()
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'openUntil', now + openMs)
  redis.call('PEXPIRE', KEYS[1], openMs + 86400000)
  return 'open'
end
if not s[1] then
  local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
  redis.call('PEXPIRE', KEYS[1], 86400000)
  if failures >= tonumber(ARGV[2]) or ARGV[4] == '1' then return open() end
  return 'closed'
end
if s[2] == ARGV[1] then return open() end
return 'ignored'
`;

// ARGV: token. A trial call that never reached the provider gives its turn to the next.
const ABANDON = `
if redis.call('HGET', KEYS[1], 'probe') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'probe', 'probeUntil')
end
return 'ignored'
`;

const STATE = `${NOW}
local s = redis.call('HMGET', KEYS[1], 'openUntil')
local openUntil = tonumber(s[1])
if not openUntil then return 'closed' end
if openUntil > now then return 'open' end
return 'half-open'
`;

/** One admitted call: report how it went exactly once. */
export interface CircuitPass {
  readonly admission: Admission;
  /** The provider answered: a trial call closes the circuit. */
  succeeded(): Promise<void>;
  /** The provider failed; `trip` opens the circuit at once (a misconfiguration). */
  failed(options?: { trip?: boolean }): Promise<void>;
  /** The call never reached the provider (held by a limit, aborted): it says nothing. */
  abandoned(): Promise<void>;
}

/**
 * A circuit breaker for one provider, shared by every worker through Redis: after repeated
 * failures it opens, and calls fail fast with a RateLimitedError, so tasks wait (without
 * using an attempt) instead of hammering a provider that is down. Once the open time has
 * passed, exactly one call over all workers goes through as the trial: its success closes
 * the circuit, its failure opens it again.
 */
export class ProviderBreaker {
  private readonly key: string;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly probeLeaseMs: number;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly provider: string,
    options: BreakerOptions = {},
    /** Told of every change of state this process causes (metrics, logs). */
    private readonly onChange: (state: CircuitState) => void = () => undefined,
  ) {
    this.key = `${prefix}:llm:breaker:${provider}`;
    this.threshold = options.consecutiveFailures ?? 5;
    this.openMs = options.halfOpenAfterMs ?? 30_000;
    this.probeLeaseMs = options.probeLeaseMs ?? 120_000;
  }

  /** Lets a call through, or throws RateLimitedError with the wait while the circuit is open. */
  async admit(): Promise<CircuitPass> {
    const token = randomUUID();
    const [waitMs, admission] = (await this.redis.eval(
      ADMIT,
      1,
      this.key,
      token,
      this.probeLeaseMs,
    )) as [number, number];
    if (admission === 0) {
      throw new RateLimitedError(
        `circuit for LLM provider ${this.provider} is open`,
        Math.max(1, waitMs),
        { reason: 'circuit-open' },
      );
    }
    if (admission === 2) this.onChange('half-open');
    let reported = false;
    const report = async (script: string, ...args: (string | number)[]) => {
      if (reported) return;
      reported = true;
      const state = (await this.redis.eval(script, 1, this.key, token, ...args)) as string;
      if (state !== 'ignored') this.onChange(state as CircuitState);
    };
    return {
      admission: admission === 2 ? 'probe' : 'closed',
      succeeded: () => report(SUCCEED),
      failed: (options) =>
        report(FAIL, this.threshold, this.openMs, options?.trip === true ? 1 : 0),
      abandoned: async () => {
        if (admission === 2) await report(ABANDON);
        reported = true;
      },
    };
  }

  /** How long an open circuit holds calls. */
  get openForMs(): number {
    return this.openMs;
  }

  async state(): Promise<CircuitState> {
    return (await this.redis.eval(STATE, 1, this.key)) as CircuitState;
  }
}
