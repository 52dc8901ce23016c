import { pino } from 'pino';
import { shutdownGateway } from '../src/shutdown.js';
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

describe('shutdown', () => {
  it('turns /ready to 503 and keeps serving for the delay, then stops accepting', async () => {
    const gateway = await startGateway();
    try {
      const stopping = shutdownGateway({
        app: gateway.app,
        logger: pino({ level: 'silent' }),
        delayMs: 1000,
        closeRest: () => Promise.resolve(),
      });
      // While endpoints catch up, the probe says "gone" but requests are still served.
      const ready = await gateway.request('GET', '/ready');
      expect(ready).toMatchObject({
        status: 503,
        body: { error: { code: 'UNAVAILABLE', message: 'this gateway is shutting down' } },
      });
      const submit = await gateway.request('POST', '/v1/tasks', { agent: 'echo', input: 1 });
      expect(submit.status).toBe(201);
      await stopping;
      await expect(gateway.request('GET', '/health')).rejects.toThrow();
    } finally {
      await gateway.close();
    }
  });
});
