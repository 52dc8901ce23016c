import { ConfigError } from '@agentq/queue';
import { loadConfig } from './config.js';

describe(loadConfig.name, () => {
  it('runs with safe defaults: local workers, 1 to 4 per pool', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      actuator: 'local',
      pools: ['default'],
      intervalMs: 2000,
      httpPort: 9465,
      policy: { minReplicas: 1, maxReplicas: 4, predictive: false, budgetPerHour: 0 },
      schedule: [],
    });
    expect(config.workerScript).toMatch(/apps\/worker\/dist\/main\.js$/);
  });

  it('reads the policy and the schedule', () => {
    const config = loadConfig({
      AGENTQ_SCALER_MIN_REPLICAS: '0',
      AGENTQ_SCALER_MAX_REPLICAS: '8',
      AGENTQ_SCALER_PREDICTIVE: 'true',
      AGENTQ_SCALER_SCHEDULE: '0 9 * * 1-5|480|3',
    });
    expect(config.policy).toMatchObject({ minReplicas: 0, maxReplicas: 8, predictive: true });
    expect(config.schedule).toEqual([
      { cron: '0 9 * * 1-5', durationMs: 480 * 60_000, minReplicas: 3, tz: 'UTC' },
    ]);
  });

  it('names every bad variable', () => {
    const load = () =>
      loadConfig({
        AGENTQ_SCALER_MIN_REPLICAS: '5',
        AGENTQ_SCALER_MAX_REPLICAS: '2',
        AGENTQ_SCALER_SCHEDULE: 'every day|60|2',
        AGENTQ_SCALER_TARGET_UTILIZATION: '1.5',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/AGENTQ_SCALER_MIN_REPLICAS: must not exceed AGENTQ_SCALER_MAX_REPLICAS/);
    expect(load).toThrow(/AGENTQ_SCALER_SCHEDULE: "every day\|60\|2"/);
    expect(load).toThrow(/AGENTQ_SCALER_TARGET_UTILIZATION/);
  });
});
