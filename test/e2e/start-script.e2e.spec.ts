import { rmSync } from 'node:fs';
import path from 'node:path';
import { AppProcess, ROOT } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { freePort, isListening } from '../helpers/ports.js';

describe('pnpm start (scripts/start.mjs)', () => {
  it('starts Redis when none answers, serves the README example, and Ctrl-C stops everything', async () => {
    const redisPort = await freePort();
    const gatewayPort = await freePort();
    const scalerPort = await freePort();
    const system = AppProcess.node('start', ['scripts/start.mjs'], {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      PORT: String(gatewayPort),
      // Not the default 9465: another checkout may be running its own system.
      AGENTQ_SCALER_HTTP_PORT: String(scalerPort),
    });
    try {
      await system.waitForOutput(['[redis]', 'Ready to accept connections']);
      const printed = await system.waitForOutput(['export AGENTQ_API_KEY=']);
      const key = /AGENTQ_API_KEY=(\S+)/.exec(String(printed.text))?.[1] ?? null;
      await system.waitForOutput(['[gateway]', '"msg":"ready"']);
      // The scaler starts the worker (minimum 1) and forwards its lines as [worker].
      await system.waitForOutput(['[worker]', '"msg":"ready"']);

      const submitted = await http(
        'POST',
        `http://127.0.0.1:${gatewayPort}/v1/tasks`,
        { agent: 'echo', input: { hello: 'world' } },
        key,
      );
      expect(submitted).toMatchObject({ status: 201 });
      await system.waitForOutput(['task completed', submitted.body.id]);
      const view = await http(
        'GET',
        `http://127.0.0.1:${gatewayPort}/v1/tasks/${submitted.body.id}`,
        undefined,
        key,
      );
      // The scaler takes pins from the same (admin) development key.
      const pin = { pool: 'default', replicas: 1, ttlSeconds: 60 };
      const scale = `http://127.0.0.1:${scalerPort}/scale`;
      expect((await http('POST', scale, pin, null)).status).toBe(401);
      expect(await http('POST', scale, pin, key)).toMatchObject({ status: 200, body: pin });
      await system.waitForOutput(['[scaler]', '"msg":"pin set"']);
      // The key is printed, never logged.
      expect(system.output.filter((line) => line.includes(String(key)))).toHaveLength(1);
      expect(view.body).toMatchObject({ state: 'completed', result: { hello: 'world' } });
    } finally {
      expect(await system.stop('SIGINT')).toBe(0);
    }
    // Nothing is left behind: no gateway and no Redis listening.
    expect(await isListening(gatewayPort)).toBe(false);
    expect(await isListening(scalerPort)).toBe(false);
    expect(await isListening(redisPort)).toBe(false);
    rmSync(path.join(ROOT, '.data', `redis-${redisPort}`), { recursive: true, force: true });
  });
});
