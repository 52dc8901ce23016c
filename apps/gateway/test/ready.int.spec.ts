import { startGateway } from './gateway-harness.js';

describe('GET /ready', () => {
  it('answers 503 once Redis stops answering, and tasks are refused with 503', async () => {
    const gateway = await startGateway();
    try {
      // Drop the connection and keep it down (no reconnect) to stand for an outage.
      gateway.redis.disconnect(false);
      const ready = await gateway.request('GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.code).toBe('UNAVAILABLE');
      const submit = await gateway.request('POST', '/v1/tasks', { agent: 'echo' });
      expect(submit.status).toBe(503);
    } finally {
      gateway.redis.connect().catch(() => undefined);
      await new Promise((resolve) => gateway.redis.once('ready', resolve));
      await gateway.close();
    }
  });
});
