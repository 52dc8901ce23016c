import DataLoader from 'dataloader';

/**
 * A loader that gathers the calls made during one turn of the event loop and runs them as
 * one batch right after it (setImmediate). Under load, the single submits of many
 * connections then share one Redis round trip; a lone call waits only for the rest of its
 * turn. `runBatch` answers one value (or Error) per input, in order.
 */
export function turnBatcher<In, Out>(
  runBatch: (inputs: readonly In[]) => Promise<ArrayLike<Out | Error>>,
): DataLoader<In, Out> {
  return new DataLoader(runBatch, {
    cache: false,
    // Bounds one Redis call (and the time Redis spends on it) however busy the turn.
    maxBatchSize: 100,
    batchScheduleFn: (flush) => setImmediate(flush),
  });
}
