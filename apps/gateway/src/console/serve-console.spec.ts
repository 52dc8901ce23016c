import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import Fastify, { type FastifyInstance } from 'fastify';
import { CONSOLE_CSP } from './console-headers.js';
import { serveConsole } from './serve-console.js';

const dist = mkdtempSync(path.join(tmpdir(), 'agentq-console-'));
mkdirSync(path.join(dist, 'assets'));
writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(path.join(dist, 'assets', 'index-abc.js'), 'console.log(1)');

const running: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((fastify) => fastify.close()));
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

const TRACE_URL = 'http://jaeger:16686/trace/{traceId}';

async function gatewayWith(distDir: string) {
  const fastify = Fastify();
  running.push(fastify);
  await serveConsole(fastify, distDir, { traceUrl: TRACE_URL });
  fastify.get('/v1/pools', () => Promise.resolve({ pools: [] }));
  const url = await fastify.listen({ host: '127.0.0.1', port: 0 });
  const get = (route: string) => fetch(`${url}${route}`);
  return { get };
}

describe(serveConsole.name, () => {
  it('answers the page for /console and every client route under it, with a strict CSP', async () => {
    const { get } = await gatewayWith(dist);
    for (const url of ['/console', '/console/', '/console/tasks/abc', '/console/scaler']) {
      const answer = await get(url);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(answer.headers.get('cache-control')).toBe('no-cache');
      expect(await answer.text()).toContain('<div id="root">');
    }
  });

  it('serves hashed assets for a year and a missing one as 404, never the page', async () => {
    const { get } = await gatewayWith(dist);
    const asset = await get('/console/assets/index-abc.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await get('/console/assets/gone.js')).status).toBe(404);
    expect((await get('/console/assets/..%2F..%2Fpackage.json')).status).not.toBe(200);
  });

  it("tells the page the deployment's settings", async () => {
    const { get } = await gatewayWith(dist);
    const answer = await get('/console/settings.json');
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await answer.json()).toEqual({ traceUrl: TRACE_URL });
  });

  it('leaves the API alone', async () => {
    const { get } = await gatewayWith(dist);
    const answer = await get('/v1/pools');
    expect(answer.headers.get('content-security-policy')).toBeNull();
  });

  it('says the console is not built when its folder has no build', async () => {
    const { get } = await gatewayWith(path.join(dist, 'nothing-here'));
    const answer = await get('/console/tasks');
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('The console is not built');
    expect(answer.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  });
});
