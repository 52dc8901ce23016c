import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiKeyStore, parseApiKeyLines } from '@agentq/queue';
import { ensureDevKey } from './dev-key.js';

describe(ensureDevKey.name, () => {
  it('makes the key once, keeps it owner-only, and writes a keys file that accepts it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentq-dev-key-'));
    try {
      const first = ensureDevKey(dir);
      const again = ensureDevKey(dir);
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ key: first.key, created: false });
      expect(statSync(path.join(dir, 'dev-api-key')).mode & 0o077).toBe(0);
      const store = new ApiKeyStore(parseApiKeyLines(readFileSync(first.keysFile, 'utf8')));
      expect(store.authenticate(first.key)?.tenant).toBe('dev');
      expect(readFileSync(first.keysFile, 'utf8')).not.toContain(first.key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
