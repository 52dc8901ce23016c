/**
 * Coalesces frequent progress updates (streamed tokens) into at most one write per
 * interval, always writing the latest value: a Redis write per token would cost more than
 * the token.
 */
export class ProgressBatcher<T> {
  private pending: { value: T } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private lastWriteAt = 0;

  constructor(
    private readonly write: (value: T) => Promise<void>,
    private readonly intervalMs = 100,
  ) {}

  update(value: T): void {
    this.pending = { value };
    if (this.timer) return;
    const dueInMs = Math.max(0, this.lastWriteAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writePending();
    }, dueInMs);
  }

  private writePending(): void {
    if (!this.pending) return;
    const { value } = this.pending;
    this.pending = undefined;
    this.lastWriteAt = Date.now();
    // Chained, so writes land in order; the first failure is reported by flush().
    this.writing = this.writing
      .then(() => this.write(value))
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
  }

  /** Writes the latest value now and waits for every write. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writePending();
    await this.writing;
    if (this.failure) throw this.failure.error;
  }

  /** Drops what is not written yet and waits for writes in flight. */
  async cancel(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    await this.writing;
  }
}
