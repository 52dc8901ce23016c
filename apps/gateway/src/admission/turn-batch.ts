import DataLoader from 'dataloader';

/**
 * A loader that gathers the calls made during one turn of the event loop and runs them in
 * batches of at most `maxBatchSize` right after it (setImmediate). Under load, the single
 * submits of many connections then share Redis round trips; a lone call waits only for the
 * rest of its turn. `runBatch` answers one value (or Error) per input, in order.
 */
export function turnBatcher<In, Out>(
  runBatch: (inputs: readonly In[]) => Promise<ArrayLike<Out | Error>>,
  maxBatchSize: number,
): DataLoader<In, Out> {
  return new DataLoader(runBatch, {
    cache: false,
    maxBatchSize,
    batchScheduleFn: (flush) => setImmediate(flush),
  });
}
