import { ConfigError } from '@agentq/queue';
import { loadConfig } from './config.js';

describe(loadConfig.name, () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.maxBacklog).toEqual({ critical: 0, high: 100, normal: 500, low: 1000 });
    expect(config).toMatchObject({
      retryAfterSeconds: 5,
      taskIndexMax: 100_000,
      sseKeepAliveMs: 15_000,
      adminUi: false,
      adminUiReadOnly: true,
    });
  });

  it('reads the admission limits and the admin UI switches', () => {
    const config = loadConfig({
      AGENTQ_GATEWAY_MAX_BACKLOG_HIGH: '7',
      AGENTQ_GATEWAY_ADMIN_UI: 'true',
      AGENTQ_GATEWAY_ADMIN_UI_READ_ONLY: 'false',
    });
    expect(config.maxBacklog.high).toBe(7);
    expect(config.adminUi).toBe(true);
    expect(config.adminUiReadOnly).toBe(false);
  });

  it('names every bad variable', () => {
    const load = () =>
      loadConfig({ AGENTQ_GATEWAY_ADMIN_UI: 'yes', AGENTQ_GATEWAY_MAX_BACKLOG_LOW: '-1' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/AGENTQ_GATEWAY_ADMIN_UI: /);
    expect(load).toThrow(/AGENTQ_GATEWAY_MAX_BACKLOG_LOW: /);
  });
});
