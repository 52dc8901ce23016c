import { describe, expect, it } from '@jest/globals';
import { traceLink } from './console-settings.js';

describe('traceLink', () => {
  it('puts the trace id where the template says, and links nothing without one', () => {
    const settings = { traceUrl: 'http://jaeger:16686/trace/{traceId}' };
    expect(traceLink(settings, 'abc123')).toBe('http://jaeger:16686/trace/abc123');
    expect(traceLink({ traceUrl: null }, 'abc123')).toBeUndefined();
  });
});
