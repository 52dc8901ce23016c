import { describe, expect, it } from '@jest/globals';
import { AgentqError } from '@agentq/client';
import { describeError } from './describe-error.js';

const error = (status: number | undefined, code = 'X') =>
  new AgentqError({ code, message: 'm', status });

describe('describeError', () => {
  it('tells a refused key, a missing scope and a missing thing apart', () => {
    expect(describeError(error(401)).kind).toBe('unauthorized');
    expect(describeError(error(403)).kind).toBe('forbidden');
    expect(describeError(error(404)).kind).toBe('not-found');
  });

  it('calls a 503 and no answer at all unavailable, naming the scaler when it is that', () => {
    expect(describeError(error(503, 'REDIS_UNAVAILABLE'))).toMatchObject({
      kind: 'unavailable',
      title: 'The API is unavailable',
    });
    expect(describeError(error(503, 'SCALER_UNAVAILABLE')).title).toBe('The scaler is unavailable');
    expect(describeError(error(undefined, 'NETWORK_ERROR')).kind).toBe('unavailable');
  });
});
