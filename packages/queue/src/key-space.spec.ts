import { poolKeyPrefix, prefixPatterns } from './key-space.js';

describe('poolKeyPrefix', () => {
  it('gives each pool a hash tag of its own under a tagged prefix', () => {
    expect(poolKeyPrefix('{agentq}', 'default')).toBe('{agentq:default}');
    expect(poolKeyPrefix('app-{agentq}-x', 'gpu')).toBe('app-{agentq:gpu}-x');
  });

  it('keeps an untagged prefix as it is: the one-node layout does not change', () => {
    expect(poolKeyPrefix('agentq', 'default')).toBe('agentq');
    expect(poolKeyPrefix('a{}b', 'default')).toBe('a{}b');
  });
});

describe('prefixPatterns', () => {
  it("covers the prefix's own keys and, under a tag, every pool's", () => {
    expect(prefixPatterns('agentq')).toEqual(['agentq:*']);
    expect(prefixPatterns('{agentq}')).toEqual(['{agentq}:*', '{agentq:*}:*']);
  });

  it('escapes what SCAN would read as a pattern', () => {
    expect(prefixPatterns('a*b')).toEqual(['a\\*b:*']);
  });
});
