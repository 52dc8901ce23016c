import { ProgressBatcher } from './progress-batcher.js';

describe(ProgressBatcher.name, () => {
  it('writes only the latest of many quick updates', async () => {
    const written: number[] = [];
    const batcher = new ProgressBatcher<number>((value) => {
      written.push(value);
      return Promise.resolve();
    });
    for (let value = 1; value <= 1000; value++) batcher.update(value);
    await batcher.flush();
    expect(written).toEqual([1000]);
  });

  it('reports a failed write when flushed', async () => {
    const batcher = new ProgressBatcher<number>(() => Promise.reject(new Error('redis down')));
    batcher.update(1);
    await expect(batcher.flush()).rejects.toThrow('redis down');
  });

  it('drops unwritten updates when cancelled', async () => {
    const written: number[] = [];
    const batcher = new ProgressBatcher<number>((value) => {
      written.push(value);
      return Promise.resolve();
    });
    batcher.update(1);
    await batcher.cancel();
    expect(written).toEqual([]);
  });
});
