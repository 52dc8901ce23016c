import type {
  ScalerDecisionsPage,
  ScalerDecisionsQuery,
  ScalerPinBody,
  ScalerPinView,
  ScalerStatusView,
} from '@agentq/contracts';
import type { CallOptions } from './call-options.js';
import type { HttpTransport } from './http-transport.js';

/** Pool filter, cursor and page size of the scaler's decisions. */
export type ScalerDecisionFilter = Partial<ScalerDecisionsQuery>;

const pinPath = (pool: string) => `/v1/scaler/pins/${encodeURIComponent(pool)}`;

/** `/v1/scaler`: the scaler's status, decisions and pins, through the gateway (admin keys). */
export class ScalerApi {
  constructor(private readonly http: HttpTransport) {}

  /** Per pool the current, desired and pinned workers, what it last read, its latest decisions. */
  status(options: CallOptions = {}): Promise<ScalerStatusView> {
    return this.http.get('/v1/scaler/status', options);
  }

  /** One page of the decisions that changed a count, newest first; `next` is the older page. */
  decisions(
    filter: ScalerDecisionFilter = {},
    options: CallOptions = {},
  ): Promise<ScalerDecisionsPage> {
    return this.http.get('/v1/scaler/decisions', options, { ...filter });
  }

  /**
   * Pins the pool to `replicas` workers (for `ttlSeconds`, or the scaler's default). Retried
   * like a read: setting the same pin twice leaves one pin.
   */
  pin(pool: string, pin: ScalerPinBody, options: CallOptions = {}): Promise<ScalerPinView> {
    return this.http.json({
      method: 'PUT',
      path: pinPath(pool),
      body: pin,
      idempotent: true,
      signal: options.signal,
    });
  }

  /** Hands the pool back to the policy; 404 when it was not pinned (or a retry already unpinned it). */
  unpin(pool: string, options: CallOptions = {}): Promise<ScalerPinView> {
    return this.http.json({
      method: 'DELETE',
      path: pinPath(pool),
      idempotent: true,
      signal: options.signal,
    });
  }
}
