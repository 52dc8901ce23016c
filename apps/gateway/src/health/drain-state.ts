import { Injectable } from '@nestjs/common';

/**
 * Whether this gateway is shutting down. From then on /ready answers 503, so load balancers
 * and Kubernetes endpoints stop sending it requests, while it still serves those that arrive
 * meanwhile (see shutdown.ts).
 */
@Injectable()
export class DrainState {
  private started = false;

  start(): void {
    this.started = true;
  }

  get draining(): boolean {
    return this.started;
  }
}
