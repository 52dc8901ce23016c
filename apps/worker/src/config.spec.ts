import { ConfigError } from '@agentq/queue';
import { loadConfig } from './config.js';

describe(loadConfig.name, () => {
  it('serves the default pool with the short profile by default', () => {
    expect(loadConfig({})).toMatchObject({
      pools: [
        {
          pool: 'default',
          profile: 'short',
          concurrency: 10,
          lockDurationMs: 6000,
          stalledIntervalMs: 2000,
          maxStalledCount: 5,
          drainTimeoutMs: 30_000,
          rateLimit: undefined,
          globalConcurrency: undefined,
        },
      ],
      backoff: { baseMs: 1000, capMs: 300_000 },
      http: { port: 0 },
    });
  });

  it('applies profiles, per-pool values and overrides for every pool', () => {
    const config = loadConfig({
      AGENTQ_POOLS: 'default,large,gpu',
      AGENTQ_POOL_PROFILES: 'large:llm-stream,gpu:batch',
      AGENTQ_POOL_CONCURRENCY: 'gpu:1',
      AGENTQ_POOL_RATE_LIMITS: 'large:100/1000',
      AGENTQ_POOL_GLOBAL_CONCURRENCY: 'gpu:4',
      AGENTQ_WORKER_DRAIN_TIMEOUT_MS: '5000',
    });
    expect(config.pools).toMatchObject([
      { pool: 'default', concurrency: 10, maxStalledCount: 5, drainTimeoutMs: 5000 },
      {
        pool: 'large',
        concurrency: 50,
        lockDurationMs: 30_000,
        rateLimit: { max: 100, durationMs: 1000 },
      },
      { pool: 'gpu', concurrency: 1, maxStalledCount: 0, globalConcurrency: 4 },
    ]);
  });

  it('takes the BullMQ worker name from AGENTQ_WORKER_NAME (a pod name), if set', () => {
    expect(loadConfig({}).workerName).toBeUndefined();
    expect(loadConfig({ AGENTQ_WORKER_NAME: 'agentq-worker-default-7d9f-x2k4q' }).workerName).toBe(
      'agentq-worker-default-7d9f-x2k4q',
    );
    expect(() => loadConfig({ AGENTQ_WORKER_NAME: 'two words' })).toThrow(/AGENTQ_WORKER_NAME/);
  });

  it('looks for dead workers every 250 ms with a 1 s grace by default; 0 turns it off', () => {
    expect(loadConfig({}).failover).toEqual({ pollMs: 250, graceMs: 1000 });
    expect(
      loadConfig({ AGENTQ_WORKER_FAILOVER_POLL_MS: '0', AGENTQ_WORKER_FAILOVER_GRACE_MS: '3000' })
        .failover,
    ).toEqual({ pollMs: 0, graceMs: 3000 });
    // A shorter grace would take a reconnecting worker for a dead one.
    expect(() => loadConfig({ AGENTQ_WORKER_FAILOVER_GRACE_MS: '200' })).toThrow(
      /AGENTQ_WORKER_FAILOVER_GRACE_MS/,
    );
  });

  it('finds Redis at REDIS_URL, or through Sentinel when its sentinels and master are named', () => {
    expect(loadConfig({}).redis).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    const sentinel = loadConfig({
      REDIS_URL: 'redis://:secret@ignored/2',
      REDIS_SENTINELS: 'sentinel-a:26379, sentinel-b:26380',
      REDIS_SENTINEL_MASTER: 'agentq',
    }).redis;
    expect(sentinel).toMatchObject({
      kind: 'sentinel',
      url: 'redis://:secret@ignored/2',
      masterName: 'agentq',
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: 'sentinel-b', port: 26380 },
      ],
    });
    expect(() => loadConfig({ REDIS_SENTINELS: 'a:1' })).toThrow(/REDIS_SENTINEL_MASTER/);
    expect(() => loadConfig({ REDIS_SENTINEL_MASTER: 'agentq' })).toThrow(/REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_SENTINELS: 'no-port', REDIS_SENTINEL_MASTER: 'm' })).toThrow(
      /REDIS_SENTINELS.*host:port/,
    );
  });

  it('finds a Cluster from its seed nodes, with a NAT map, and a hash-tag prefix', () => {
    const cluster = loadConfig({
      REDIS_URL: 'rediss://app:secret@ignored',
      REDIS_CLUSTER_NODES: 'node-a:7000,node-b:7001',
      REDIS_CLUSTER_NAT_MAP: '10.0.0.5:7000=node-a:30000',
      AGENTQ_PREFIX: '{agentq}',
    }).redis;
    expect(cluster).toEqual({
      kind: 'cluster',
      url: 'rediss://app:secret@ignored',
      nodes: [
        { host: 'node-a', port: 7000 },
        { host: 'node-b', port: 7001 },
      ],
      natMap: { '10.0.0.5:7000': { host: 'node-a', port: 30000 } },
    });
    const nodes = { REDIS_CLUSTER_NODES: 'node-a:7000' };
    expect(() => loadConfig(nodes)).toThrow(/AGENTQ_PREFIX.*hash tag, e\.g\. \{agentq\}/);
    expect(() => loadConfig({ ...nodes, AGENTQ_PREFIX: '{}x' })).toThrow(/AGENTQ_PREFIX/);
    expect(() =>
      loadConfig({ ...nodes, AGENTQ_PREFIX: '{q}', REDIS_URL: 'redis://node-a:7000/2' }),
    ).toThrow(/REDIS_URL.*database 0/);
    expect(() =>
      loadConfig({
        ...nodes,
        AGENTQ_PREFIX: '{q}',
        REDIS_SENTINELS: 'a:1',
        REDIS_SENTINEL_MASTER: 'm',
      }),
    ).toThrow(/REDIS_CLUSTER_NODES.*not both/);
    expect(() => loadConfig({ REDIS_CLUSTER_NAT_MAP: 'a:1=b:2' })).toThrow(
      /REDIS_CLUSTER_NAT_MAP.*REDIS_CLUSTER_NODES/,
    );
    expect(() =>
      loadConfig({ ...nodes, AGENTQ_PREFIX: '{q}', REDIS_CLUSTER_NAT_MAP: 'a:1' }),
    ).toThrow(/REDIS_CLUSTER_NAT_MAP.*announced-host:port=host:port/);
  });

  it('names every bad variable', () => {
    const load = () =>
      loadConfig({
        AGENTQ_POOL_PROFILES: 'default:huge',
        AGENTQ_POOL_RATE_LIMITS: 'default:fast',
        AGENTQ_WORKER_BACKOFF_CAP_MS: '10',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/AGENTQ_POOL_PROFILES[\s\S]*AGENTQ_POOL_RATE_LIMITS/);
  });

  it('refuses a stalled interval not shorter than the lock and concurrency over the bound', () => {
    const load = () =>
      loadConfig({
        AGENTQ_WORKER_LOCK_DURATION_MS: '2000',
        AGENTQ_WORKER_STALLED_INTERVAL_MS: '2000',
        AGENTQ_POOLS: 'a,b',
        AGENTQ_CONCURRENCY: '8',
        AGENTQ_WORKER_MAX_CONCURRENCY: '10',
        AGENTQ_WORKER_BACKOFF_CAP_MS: '10',
      });
    expect(load).toThrow(
      /AGENTQ_WORKER_STALLED_INTERVAL_MS[\s\S]*AGENTQ_WORKER_MAX_CONCURRENCY[\s\S]*AGENTQ_WORKER_BACKOFF_CAP_MS/,
    );
  });
});
