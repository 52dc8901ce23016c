import { decodeTaskError, encodeTaskError } from './task-error.js';

describe(decodeTaskError.name, () => {
  it('reads back what encodeTaskError wrote, message brackets and newlines included', () => {
    const error = { code: 'TIMEOUT', message: 'took [too] long\nafter 5 s' };
    expect(decodeTaskError(encodeTaskError(error))).toEqual(error);
  });

  it('treats a reason in another format as AGENT_FAILED with the whole text', () => {
    expect(decodeTaskError('boom')).toEqual({ code: 'AGENT_FAILED', message: 'boom' });
  });
});
