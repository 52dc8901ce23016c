/**
 * Metrics and log lines of finished steps, run once the event loop is done with what the
 * steps started, instead of in between. When a task ends, BullMQ sends its completion and
 * the fetch of the next task in one command; counting and logging the ended task before
 * the next one starts only delays that next task (at concurrency 1, every task), while run
 * here they overlap the wait for Redis. Work queued in one turn runs together in the next
 * check phase, in the order it was queued.
 */
export class DeferredBookkeeping {
  private queued: (() => void)[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  /** `onError` hears a queued step that threw; the others still run. */
  constructor(private readonly onError: (err: unknown) => void) {}

  defer(work: () => void): void {
    this.queued.push(work);
    this.scheduled ??= setImmediate(this.flush);
  }

  /** Runs everything queued now (close() calls it, so no count or line is left behind). */
  readonly flush = (): void => {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const work = this.queued;
    this.queued = [];
    for (const step of work) {
      try {
        step();
      } catch (err) {
        this.onError(err);
      }
    }
  };
}
