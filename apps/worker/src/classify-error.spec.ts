import { CancelledError, InvalidInputError, TimeoutError, TransientError } from '@agentq/agents';
import { classifyError } from './classify-error.js';

describe(classifyError.name, () => {
  it.each([
    [new InvalidInputError('bad'), 'fail', 'INVALID_INPUT'],
    [new CancelledError('stop'), 'fail', 'CANCELLED'],
    [new TransientError('503'), 'retry', 'TRANSIENT'],
    [new TimeoutError('slow'), 'retry', 'TIMEOUT'],
    [new Error('bug'), 'retry', 'AGENT_FAILED'],
    ['a string', 'retry', 'AGENT_FAILED'],
  ])('classifies %p as %s with code %s', (error, action, code) => {
    expect(classifyError(error)).toEqual({ action, code });
  });

  it('looks at the class, not the message', () => {
    expect(classifyError(new Error('InvalidInputError: bad')).action).toBe('retry');
  });
});
