/**
 * The errors of shared Redis clients. BullMQ queues and workers re-emit every error of the
 * client they share (a reconnect loop's on every try), so each is logged once, where the
 * client's are, and a queue's or worker's own errors are still told apart.
 */
export class ClientErrors {
  private readonly seen = new WeakSet<Error>();

  /** Calls `log` with every error of these clients, and remembers it as theirs. */
  watch(clients: readonly ErrorEmitter[], log: (err: Error) => void): void {
    for (const client of clients) {
      client.on('error', (err: Error) => {
        this.seen.add(err);
        log(err);
      });
    }
  }

  /**
   * Whether `err` is one of the watched clients' errors (then it was logged already). Watch
   * a client before making queues or workers on it: listeners hear an error in the order
   * they were added.
   */
  has(err: Error): boolean {
    return this.seen.has(err);
  }

  /**
   * Calls `log` with the emitter's errors that are not the watched clients' own. A BullMQ
   * queue or worker without an error listener prints its errors to stderr instead.
   */
  hear(emitter: ErrorEmitter, log: (err: Error) => void): void {
    emitter.on('error', (err: Error) => {
      if (!this.seen.has(err)) log(err);
    });
  }
}

/** An ioredis client, a BullMQ queue or worker: anything that emits `error`. */
interface ErrorEmitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}
