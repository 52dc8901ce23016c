/** What every call takes. */
export interface CallOptions {
  /** Aborts the request in flight and any backoff; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface SubmitOptions extends CallOptions {
  /**
   * The same key gives the same task (or workflow), never a second one. Made with
   * `crypto.randomUUID()` when absent, and the same one is sent on every retry of the call.
   */
  idempotencyKey?: string;
}

export interface WaitOptions extends CallOptions {
  /**
   * How long to wait for the end; the view as it is then is returned.
   * @defaultValue 60000
   */
  timeoutMs?: number;
}

export interface EventStreamOptions extends CallOptions {
  /** The id of the last event already seen (from an earlier stream): resume after it. */
  lastEventId?: string;
}

export const DEFAULT_WAIT_MS = 60_000;
