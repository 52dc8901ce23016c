import { firstItems } from './first-items.js';

/** 1, 2, 3 ... without end, each noted in `read` as it is taken. */
async function* numbers(read: number[]): AsyncGenerator<number> {
  for (let n = 1; ; n += 1) {
    read.push(n);
    yield await Promise.resolve(n);
  }
}

describe(firstItems.name, () => {
  it('takes the first items and reads no further', async () => {
    const read: number[] = [];
    const sizes: number[] = [];
    const items = await firstItems(3, (pageSize) => {
      sizes.push(pageSize);
      return numbers(read);
    });
    expect(items).toEqual([1, 2, 3]);
    expect(read).toEqual([1, 2, 3]);
    expect(sizes).toEqual([3]);
  });

  it("asks for pages no larger than the API's most, and for nothing when none is wanted", async () => {
    const sizes: number[] = [];
    await firstItems(500, (pageSize) => {
      sizes.push(pageSize);
      return numbers([]);
    });
    expect(sizes).toEqual([200]);
    await expect(firstItems(0, () => numbers([]))).resolves.toEqual([]);
  });
});
