import { NoopActuator } from './noop.actuator.js';

describe(NoopActuator.name, () => {
  it('goes on from the last published decision after a takeover, then from its own', async () => {
    const actuator = new NoopActuator((pool) =>
      Promise.resolve(pool === 'default' ? 6 : undefined),
    );
    expect(await actuator.currentReplicas('default')).toBe(6);
    expect(await actuator.currentReplicas('gpu')).toBe(0);
    await actuator.setReplicas('default', 5);
    expect(await actuator.currentReplicas('default')).toBe(5);
  });
});
