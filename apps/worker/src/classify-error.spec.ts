import {
  CancelledError,
  InvalidInputError,
  QuotaExhaustedError,
  RateLimitedError,
  TimeoutError,
  TransientError,
} from '@agentq/agents';
import { classifyError } from './classify-error.js';
import { HandBackError, InterruptedError } from './hand-back.js';

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

  it('waits the time a rate-limited provider gives, keeping what held it', () => {
    expect(classifyError(new RateLimitedError('429', 1500, { reason: 'provider-429' }))).toEqual({
      action: 'rate-limit',
      code: 'PROVIDER_RATE_LIMITED',
      retryAfterMs: 1500,
      reason: 'provider-429',
    });
  });

  it('fails a task for good when the provider quota is exhausted', () => {
    expect(classifyError(new QuotaExhaustedError('quota'))).toEqual({
      action: 'fail',
      code: 'PROVIDER_QUOTA_EXHAUSTED',
    });
  });

  it('hands a task back when the worker shuts down', () => {
    expect(classifyError(new HandBackError('draining'))).toEqual({ action: 'hand-back' });
    expect(classifyError(new InterruptedError('draining'))).toEqual({
      action: 'fail',
      code: 'AGENT_FAILED',
    });
  });

  it('looks at the class, not the message', () => {
    expect(classifyError(new Error('InvalidInputError: bad')).action).toBe('retry');
  });
});
