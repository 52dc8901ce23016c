import { ConfigError, createKey, formatApiKeyLine } from '@agentq/queue';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from './config.js';

const OPEN = { AGENTQ_AUTH: 'off' };

function keyLine(tenant: string): string {
  const created = createKey({ tenant, scopes: ['tasks:read'] });
  if (!created.ok) throw new Error(created.error);
  return formatApiKeyLine(created.entry);
}

describe(loadConfig.name, () => {
  it('knows the role presets the workers have: the built-in ones and AGENTQ_LLM_PRESETS', () => {
    const config = loadConfig({ ...OPEN, AGENTQ_LLM_PRESETS: '{"poet": "Answer in verse."}' });
    const deployment = config.agentDeployment('acme');
    expect(deployment.llmPresets).toContain('poet');
    expect(deployment.llmPresets).toContain('reviewer');
  });

  it('applies the documented defaults', () => {
    const config = loadConfig(OPEN);
    expect(config.maxBacklog).toEqual({ critical: 50, high: 100, normal: 500, low: 1000 });
    expect(config).toMatchObject({
      bodyLimitBytes: 1_048_576,
      bodyMaxDepth: 64,
      inputLimitBytes: 262_144,
      retryAfterSeconds: 5,
      taskIndexMax: 100_000,
      workflowIndexMax: 100_000,
      sseKeepAliveMs: 15_000,
      adminUi: false,
      adminUiReadOnly: true,
      rateLimit: { perMinute: 1000, burst: 100 },
      taskRateLimit: { perMinute: 10_000, burst: 1000 },
      tenantMaxUnfinished: 10_000,
      corsOrigins: [],
    });
  });

  it('refuses to start without API keys unless auth is off explicitly', () => {
    expect(() => loadConfig({})).toThrow(/AGENTQ_API_KEYS: no API keys/);
    expect(loadConfig(OPEN).auth).toBe('off');
  });

  it('reads keys from the environment and from a file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentq-keys-'));
    try {
      const file = path.join(dir, 'keys');
      writeFileSync(file, `# team b\n${keyLine('b')}\n`);
      const config = loadConfig({ AGENTQ_API_KEYS: keyLine('a'), AGENTQ_API_KEYS_FILE: file });
      expect(config.apiKeys.map((key) => key.tenant)).toEqual(['a', 'b']);
      expect(() => loadConfig({ AGENTQ_API_KEYS_FILE: path.join(dir, 'none') })).toThrow(
        /AGENTQ_API_KEYS_FILE: cannot read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes CORS origins and refuses what is not an origin', () => {
    const origins = 'https://app.example.com, http://localhost:5173';
    expect(loadConfig({ ...OPEN, AGENTQ_CORS_ORIGINS: origins }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ ...OPEN, AGENTQ_CORS_ORIGINS: 'https://a.example/path' })).toThrow(
      /AGENTQ_CORS_ORIGINS/,
    );
  });

  it('reads the admission limits and the admin UI switches', () => {
    const config = loadConfig({
      ...OPEN,
      AGENTQ_GATEWAY_MAX_BACKLOG_CRITICAL: '0',
      AGENTQ_GATEWAY_MAX_BACKLOG_HIGH: '7',
      AGENTQ_GATEWAY_ADMIN_UI: 'true',
      AGENTQ_GATEWAY_ADMIN_UI_READ_ONLY: 'false',
    });
    expect(config.maxBacklog).toMatchObject({ critical: 0, high: 7 });
    expect(config.adminUi).toBe(true);
    expect(config.adminUiReadOnly).toBe(false);
  });

  it('names every bad variable', () => {
    const load = () =>
      loadConfig({ ...OPEN, AGENTQ_GATEWAY_ADMIN_UI: 'yes', AGENTQ_GATEWAY_MAX_BACKLOG_LOW: '-1' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/AGENTQ_GATEWAY_ADMIN_UI: /);
    expect(load).toThrow(/AGENTQ_GATEWAY_MAX_BACKLOG_LOW: /);
  });
});
