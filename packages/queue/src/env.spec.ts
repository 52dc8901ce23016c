import { z } from 'zod';
import { ConfigError, commaList, parseEnv, sharedEnvShape } from './env.js';

const schema = z.object({ ...sharedEnvShape, AGENTQ_POOLS: commaList(z.string().min(1)) });

describe(parseEnv.name, () => {
  it('applies defaults', () => {
    expect(parseEnv(schema, { AGENTQ_POOLS: 'default, large,' })).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      AGENTQ_PREFIX: 'agentq',
      AGENTQ_LOG_LEVEL: 'info',
      AGENTQ_POOLS: ['default', 'large'],
    });
  });

  it('names every bad variable in one error', () => {
    const parse = () =>
      parseEnv(schema, { REDIS_URL: 'http://x', AGENTQ_LOG_LEVEL: 'loud', AGENTQ_POOLS: '' });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/REDIS_URL[\s\S]*AGENTQ_LOG_LEVEL[\s\S]*AGENTQ_POOLS/);
  });
});
