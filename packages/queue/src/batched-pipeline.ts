import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './connection.js';

/**
 * Writes gathered for a moment and sent as one pipeline, so a record per task does not cost a
 * round trip per task. Callers add to {@link gathering} (which starts the timer); `fill` turns
 * a batch into commands. Writes never overlap, so they land in the order they were gathered;
 * a failed write is reported to `onError` and not retried.
 */
export class BatchedPipeline<Batch extends { size: number }> {
  private batch: Batch;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    private readonly flushAfterMs: number,
    private readonly newBatch: () => Batch,
    private readonly fill: (pipeline: ChainableCommander, batch: Batch) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.batch = newBatch();
  }

  /** The batch being gathered, to add to; it is written within `flushAfterMs`. */
  get gathering(): Batch {
    this.timer ??= setTimeout(() => void this.flush(), this.flushAfterMs);
    return this.batch;
  }

  /** Writes what is gathered now; resolves once it (and any write before it) is done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = this.newBatch();
    if (batch.size > 0) this.inFlight = this.inFlight.then(() => this.write(batch));
    return this.inFlight;
  }

  private async write(batch: Batch): Promise<void> {
    const pipeline = this.redis.pipeline();
    this.fill(pipeline, batch);
    try {
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([err]) => err);
      if (failed) this.onError(failed[0]);
    } catch (err) {
      this.onError(err);
    }
  }
}
