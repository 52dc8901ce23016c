import { clusterOptions, reconnectDelayMs, redisOptions, targetOptions } from './connection.js';

describe(redisOptions.name, () => {
  it('reads host, port, credentials and db from the URL', () => {
    const options = redisOptions('redis://user:p%40ss@redis.internal:6380/2', 'worker');
    expect(options).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: undefined,
    });
  });

  it('turns on TLS for rediss://', () => {
    expect(redisOptions('rediss://cache.example:6379', 'client').tls).toEqual({
      servername: 'cache.example',
    });
  });

  it('lets worker connections wait through outages, as BullMQ requires', () => {
    expect(redisOptions('redis://localhost', 'worker').maxRetriesPerRequest).toBeNull();
  });

  it('makes client connections fail fast while Redis is away', () => {
    expect(redisOptions('redis://localhost', 'client')).toMatchObject({
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: 2000,
      autoResendUnfulfilledCommands: false,
    });
  });

  it('auto-pipelines no connection (ioredis copies every defined script per pipeline)', () => {
    expect(redisOptions('redis://localhost', 'client').enableAutoPipelining).toBeUndefined();
    expect(redisOptions('redis://localhost', 'worker').enableAutoPipelining).toBeUndefined();
  });
});

describe(reconnectDelayMs.name, () => {
  it('backs off and never waits more than 2 s', () => {
    const delays = [1, 2, 3, 10, 1000].map(reconnectDelayMs);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(Math.max(...delays)).toBe(2000);
  });
});

describe(targetOptions.name, () => {
  it("asks the sentinels for the master, with the URL's credentials, db and TLS for it", () => {
    const options = targetOptions(
      {
        kind: 'sentinel',
        url: 'rediss://:secret@ignored:1/3',
        sentinels: [{ host: 's1', port: 26379 }],
        masterName: 'agentq',
        sentinelPassword: 'watch',
      },
      'client',
    );
    expect(options).toMatchObject({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'agentq',
      role: 'master',
      password: 'secret',
      db: 3,
      sentinelPassword: 'watch',
      enableTLSForSentinelMode: true,
      enableOfflineQueue: false,
    });
    expect(options.host).toBeUndefined();
    expect(options.port).toBeUndefined();
  });
});

describe(clusterOptions.name, () => {
  const target = {
    kind: 'cluster' as const,
    url: 'rediss://app:secret@ignored',
    nodes: [{ host: 'node-a', port: 7000 }],
    natMap: { '10.0.0.5:7000': { host: 'node-a', port: 30000 } },
  };

  it("gives every node the URL's credentials and TLS, never an address of its own", () => {
    const options = clusterOptions(target, 'client', 'agentq-gateway');
    expect(options.redisOptions).toMatchObject({
      username: 'app',
      password: 'secret',
      tls: { servername: 'ignored' },
      connectionName: 'agentq-gateway',
      commandTimeout: 2000,
    });
    // ioredis lays redisOptions over each node's address: a key here would replace it.
    for (const key of ['host', 'port', 'db', 'retryStrategy']) {
      expect(options.redisOptions).not.toHaveProperty(key);
    }
    expect(options.natMap).toEqual(target.natMap);
    expect(options.scaleReads).toBe('master');
  });

  it('fails client commands fast while a node is away, and lets worker ones wait', () => {
    expect(clusterOptions(target, 'client', 'c').enableOfflineQueue).toBe(false);
    expect(clusterOptions(target, 'worker', 'w').enableOfflineQueue).toBe(true);
    expect(clusterOptions(target, 'worker', 'w').redisOptions?.maxRetriesPerRequest).toBeNull();
  });
});
