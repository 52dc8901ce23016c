import type { ServerResponse } from 'node:http';
import type { Counter, Gauge } from 'prom-client';

export interface StreamLimits {
  /** Most bytes one stream may hold that its client has not taken yet. */
  maxBufferedBytes: number;
  /** How long a stream may stay blocked (or ended but not taken) before it is closed. */
  blockedTimeoutMs: number;
}

export interface StreamMetrics {
  /** Streams whose client is not reading now. */
  blocked: Gauge;
  /** Streams closed because their client stopped reading. */
  closedSlow: Counter;
}

/**
 * Writes a stream's chunks only as fast as its client takes them. While the socket is
 * full (`write()` said false), chunks wait here, up to `maxBufferedBytes`; a client that
 * lets more pile up, or stays blocked past `blockedTimeoutMs`, has its connection
 * destroyed, which also frees what the kernel held for it. An ended stream whose client
 * still has not taken it all and closed is destroyed after the same deadline.
 */
export class StreamPacer {
  private readonly waiting: string[] = [];
  private waitingBytes = 0;
  private blockedSince: NodeJS.Timeout | undefined;
  private endRequested = false;
  private done = false;

  constructor(
    private readonly raw: ServerResponse,
    private readonly limits: StreamLimits,
    private readonly metrics: StreamMetrics,
  ) {
    raw.on('drain', this.onDrain);
    // The client went away (or the response ended): nothing more to write.
    raw.on('close', () => this.settle());
  }

  /** Whether the client is not keeping up (new chunks wait). */
  get blocked(): boolean {
    return this.blockedSince !== undefined;
  }

  write(chunk: string): void {
    if (this.done || this.endRequested) return;
    if (this.blocked) {
      this.hold(chunk);
      return;
    }
    if (!this.raw.write(chunk)) this.block();
  }

  /** Ends the response once every chunk is written, and bounds how long the client may take. */
  end(): void {
    if (this.done || this.endRequested) return;
    this.endRequested = true;
    if (!this.blocked) this.finish();
  }

  private hold(chunk: string): void {
    this.waitingBytes += Buffer.byteLength(chunk);
    if (this.waitingBytes > this.limits.maxBufferedBytes) {
      this.closeSlow();
      return;
    }
    this.waiting.push(chunk);
  }

  private block(): void {
    this.metrics.blocked.inc();
    this.blockedSince = setTimeout(() => this.closeSlow(), this.limits.blockedTimeoutMs);
  }

  private unblock(): void {
    if (!this.blocked) return;
    clearTimeout(this.blockedSince);
    this.blockedSince = undefined;
    this.metrics.blocked.dec();
  }

  private readonly onDrain = (): void => {
    if (this.done) return;
    while (this.waiting.length > 0) {
      const chunk = this.waiting.shift() as string;
      this.waitingBytes -= Buffer.byteLength(chunk);
      if (!this.raw.write(chunk)) return; // still full: the next drain goes on
    }
    this.unblock();
    if (this.endRequested) this.finish();
  };

  private finish(): void {
    // Taken first: a response that ends with nothing left to write lets go of it at once.
    const socket = this.raw.socket;
    this.raw.end();
    // What was written may still sit in the kernel, unread: a client that never takes it
    // would hold that memory until TCP gives up, minutes later. A client that reads closes,
    // or sends its next request on the connection, well before the deadline.
    if (!socket || socket.destroyed) return;
    const linger = setTimeout(() => this.closeSlow(socket), this.limits.blockedTimeoutMs);
    linger.unref();
    const stop = () => clearTimeout(linger);
    socket.once('close', stop);
    socket.once('data', stop);
  }

  /** Resets the connection: unlike a graceful close, this frees the kernel's buffers too. */
  private closeSlow(socket = this.raw.socket): void {
    if (!socket || socket.destroyed) return;
    this.metrics.closedSlow.inc();
    this.settle();
    socket.resetAndDestroy();
  }

  private settle(): void {
    this.unblock();
    this.done = true;
    this.waiting.length = 0;
    this.waitingBytes = 0;
  }
}
