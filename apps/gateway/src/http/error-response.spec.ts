import { toErrorResponse } from './error-response.js';

describe(toErrorResponse.name, () => {
  it('answers 503 for a Redis command that got no answer in time, even once Redis is back', () => {
    expect(toErrorResponse(new Error('Command timed out'), true)).toMatchObject({
      status: 503,
      body: { error: { code: 'UNAVAILABLE' } },
    });
  });

  it.each([
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Connection is closed.',
  ])('answers 503 for a command ioredis did not send (%s), even once Redis is back', (message) => {
    expect(toErrorResponse(new Error(message), true).status).toBe(503);
  });

  it.each([
    'Too many Cluster redirections. Last error: ReplyError: MOVED 6249 127.0.0.1:35775',
    'CLUSTERDOWN The cluster is down',
    'TRYAGAIN Multiple keys request during rehashing of slot',
    'MOVED 6249 127.0.0.1:35775',
    'ASK 6249 127.0.0.1:35775',
    'Failed to refresh slots cache.',
    "Cluster isn't ready and enableOfflineQueue options is false",
  ])('answers 503 while a Cluster fails a slot over (%s)', (message) => {
    expect(toErrorResponse(new Error(message), true).status).toBe(503);
  });

  it('answers 503 for any unexpected error while Redis is away', () => {
    expect(toErrorResponse(new Error('Connection is closed.'), false).status).toBe(503);
  });

  it('answers a bare 500 for anything else', () => {
    expect(toErrorResponse(new Error('boom'), true)).toMatchObject({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
    });
  });
});
