import {
  createKey,
  describeCreatedKey,
  formatApiKeyLine,
  hashApiKey,
  newApiKey,
  parseApiKeyLines,
} from './api-key.js';
import { ApiKeyStore } from './key-store.js';

describe(createKey.name, () => {
  it('makes a key whose printed line authenticates it, and stores only its hash', () => {
    const created = createKey({ tenant: 'acme', scopes: ['tasks:write', 'tasks:read'] });
    if (!created.ok) throw new Error(created.error);
    const line = formatApiKeyLine(created.entry);
    expect(line).not.toContain(created.key);
    const store = new ApiKeyStore(parseApiKeyLines(`# acme\n\n${line}\n`));
    const principal = store.authenticate(created.key);
    expect(principal?.tenant).toBe('acme');
    expect([...(principal?.scopes ?? [])]).toEqual(['tasks:write', 'tasks:read']);
    expect(store.authenticate(newApiKey())).toBeUndefined();
  });

  it('takes per-key limits and refuses bad tenants, scopes and limits', () => {
    const limited = createKey({
      tenant: 'acme',
      scopes: ['admin'],
      ratePerMinute: '60',
      burst: '5',
    });
    expect(limited.ok && limited.entry.rateLimit).toEqual({ perMinute: 60, burst: 5 });
    expect(createKey({ tenant: 'Acme:1', scopes: ['admin'] }).ok).toBe(false);
    expect(createKey({ tenant: 'acme', scopes: ['root'] }).ok).toBe(false);
    expect(createKey({ tenant: 'acme', scopes: undefined }).ok).toBe(false);
    expect(createKey({ tenant: 'acme', scopes: ['admin'], burst: '5' }).ok).toBe(false);
  });
});

describe(describeCreatedKey.name, () => {
  it('shows the key and the keys-file line that makes it valid', () => {
    const created = createKey({ tenant: 'acme', scopes: ['tasks:read'] });
    if (!created.ok) throw new Error(created.error);
    const text = describeCreatedKey(created.key, created.entry);
    expect(text).toContain(`  ${created.key}\n`);
    expect(text).toContain(`  ${formatApiKeyLine(created.entry)}\n`);
  });
});

describe(parseApiKeyLines.name, () => {
  it('names the line of a bad entry', () => {
    const good = JSON.stringify({ hash: hashApiKey('k'), tenant: 't', scopes: ['admin'] });
    expect(() => parseApiKeyLines(`${good}\nnot json`)).toThrow(/line 2: not JSON/);
    expect(() => parseApiKeyLines(`${good}\n{"hash":"md5:1","tenant":"t","scopes":[]}`)).toThrow(
      /line 2: hash/,
    );
  });
});

describe(ApiKeyStore.name, () => {
  it('finds each of many keys, and a key listed twice acts as its first line', () => {
    const created = Array.from({ length: 500 }, (_, i) => {
      const made = createKey({ tenant: `t${i}`, scopes: ['tasks:read'] });
      if (!made.ok) throw new Error(made.error);
      return made;
    });
    const [first] = created;
    if (!first) throw new Error('no key');
    const again = formatApiKeyLine({ ...first.entry, tenant: 'other' });
    const lines = [...created.map((made) => formatApiKeyLine(made.entry)), again].join('\n');
    const store = new ApiKeyStore(parseApiKeyLines(lines));
    expect(store.size).toBe(500);
    created.forEach((made, i) => expect(store.authenticate(made.key)?.tenant).toBe(`t${i}`));
    expect(store.authenticate(`${first.key}x`)).toBeUndefined();
  });
});
