import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TransientError } from '../src/errors.js';
import { RedisAgentState } from '../src/state/agent-state.js';
import { REDIS_URL, deleteKeysByPrefix, testRedis, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('state');
const redis = testRedis('state');
const other = testRedis('state-other');
const state = new RedisAgentState(redis, prefix, 'tenant-a');

afterAll(async () => {
  await deleteKeysByPrefix(redis, prefix);
  await Promise.all([redis.quit(), other.quit()]);
});

describe(RedisAgentState.name, () => {
  it('stores JSON values under the tenant namespace', async () => {
    await state.set('config', { depth: 2, tags: ['a'] });
    expect(await state.get('config')).toEqual({ depth: 2, tags: ['a'] });
    expect(await redis.exists(`${prefix}:state:tenant-a:kv:config`)).toBe(1);
    expect(await state.get('missing')).toBeUndefined();
  });

  it('keeps tenants apart, even with a ":" in the tenant', async () => {
    await new RedisAgentState(redis, prefix, 'tenant-a:kv').set('x', 1);
    await state.set('kv:x', 2);
    expect(await new RedisAgentState(redis, prefix, 'tenant-a:kv').get('x')).toBe(1);
    expect(await new RedisAgentState(redis, prefix, 'tenant-b').get('config')).toBeUndefined();
  });

  it('expires a value after its TTL', async () => {
    await state.set('short', 'v', { ttlMs: 5000 });
    const pttl = await redis.pttl(`${prefix}:state:tenant-a:kv:short`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5000);
  });

  it('deletes, counts and keeps sets', async () => {
    expect(await state.del('config')).toBe(true);
    expect(await state.del('config')).toBe(false);
    expect(await state.incr('count')).toBe(1);
    expect(await state.incr('count', 5)).toBe(6);
    expect(await state.get('count')).toBe(6);
    expect(await state.sadd('seen', 'a', 'b', 'a')).toBe(2);
    expect(await state.sadd('seen', 'b', 'c')).toBe(1);
    expect((await state.smembers('seen')).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('withLock', () => {
  it('releases the lock when the critical section throws', async () => {
    await expect(
      state.withLock('fails', 5000, () => Promise.reject(new Error('inside'))),
    ).rejects.toThrow('inside');
    expect(await redis.exists(`${prefix}:state:tenant-a:lock:fails`)).toBe(0);
  });

  it('renews the lock while the section runs longer than its TTL', async () => {
    const contender = new RedisAgentState(other, prefix, 'tenant-a');
    let release: () => void = () => undefined;
    const holding = state.withLock('renewed', 300, (lock) => {
      expect(lock.token).toEqual(expect.any(String));
      return new Promise<void>((resolve) => (release = resolve));
    });
    // Well past the TTL, the lock is still held: a contender that gives up soon fails.
    await expect(
      contender.withLock('renewed', 300, () => Promise.resolve(), { waitMs: 900 }),
    ).rejects.toBeInstanceOf(TransientError);
    release();
    await holding;
    await expect(contender.withLock('renewed', 300, () => Promise.resolve('mine'))).resolves.toBe(
      'mine',
    );
  });

  it('stops waiting for a busy lock when its signal aborts', async () => {
    const contender = new RedisAgentState(other, prefix, 'tenant-a');
    await state.withLock('waited', 5000, async () => {
      const controller = new AbortController();
      const waiting = contender.withLock('waited', 5000, () => Promise.resolve(), {
        signal: controller.signal,
      });
      controller.abort(new Error('task cancelled'));
      await expect(waiting).rejects.toThrow('task cancelled');
    });
  });

  it('runs nothing and leaves no lock when its signal aborts while the lock is being taken', async () => {
    const key = `${prefix}:state:tenant-a:lock:raced`;
    const controller = new AbortController();
    let ran = false;
    const taking = state.withLock(
      'raced',
      5000,
      () => {
        ran = true;
        return Promise.resolve();
      },
      { signal: controller.signal },
    );
    // Its SET is already on its way (no round trip has been answered yet).
    controller.abort(new Error('task cancelled'));
    await expect(taking).rejects.toThrow('task cancelled');
    expect(ran).toBe(false);
    expect(await redis.exists(key)).toBe(0);
    // Aborted before it starts: not even tried.
    await expect(
      state.withLock('raced', 5000, () => Promise.resolve(), { signal: controller.signal }),
    ).rejects.toThrow('task cancelled');
  });

  it('does not release a lock that another holder has taken over', async () => {
    const key = `${prefix}:state:tenant-a:lock:taken`;
    await state.withLock('taken', 5000, async () => {
      await redis.set(key, 'someone-else'); // as if our lock expired and another took it
    });
    expect(await redis.get(key)).toBe('someone-else');
  });

  it('aborts the section and fails when a renewal finds the lock taken', async () => {
    const key = `${prefix}:state:tenant-a:lock:lost`;
    const running = state.withLock('lost', 300, async (lock) => {
      await redis.set(key, 'someone-else');
      await once(lock.signal, 'abort');
      return 'finished anyway';
    });
    await expect(running).rejects.toThrow('was lost');
    expect(await redis.get(key)).toBe('someone-else');
  });
});

describe('withLock across processes', () => {
  const script = fileURLToPath(new URL('./fixtures/lock-contender.mjs', import.meta.url));
  const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

  beforeAll(() => {
    if (!existsSync(built))
      throw new Error('build @agentq/agents first (turbo runs build before test)');
  });

  function worker(...args: string[]) {
    return spawn(process.execPath, [script, args[0] ?? '', REDIS_URL, prefix, ...args.slice(1)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  }

  it('lets one process at a time into the critical section', async () => {
    const rounds = 25;
    const workers = [worker('contend', String(rounds)), worker('contend', String(rounds))];
    const codes = await Promise.all(
      workers.map(async (child) => (await once(child, 'exit'))[0] as number),
    );
    expect(codes).toEqual([0, 0]);
    expect(await state.get('sections')).toBe(2 * rounds);
    expect(await state.get('violations')).toBeUndefined();
  });

  it('frees a lock held by a killed process after its TTL', async () => {
    const holder = worker('hold');
    const [firstLine] = (await once(holder.stdout, 'data')) as [Buffer];
    expect(firstLine.toString()).toBe('locked\n');
    await expect(
      state.withLock('held', 1000, () => Promise.resolve(), { waitMs: 0 }),
    ).rejects.toThrow('busy');

    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const killedAt = Date.now();
    await state.withLock('held', 1000, () => Promise.resolve(), { waitMs: 5000 });
    expect(Date.now() - killedAt).toBeLessThan(1500);
  });
});
