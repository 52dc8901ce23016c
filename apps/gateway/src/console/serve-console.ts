import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ASSET_CACHE, CONSOLE_CSP, PAGE_CACHE } from './console-headers.js';

export const CONSOLE_PATH = '/console';

/** The deployment's settings the console shows (`GET /console/settings.json`). */
export interface ConsoleSettings {
  /** Where a trace is shown, `{traceId}` standing for its id; null: no link. */
  traceUrl: string | null;
}
const ASSETS = 'assets/';

/**
 * The web console (apps/console, built to static files) at /console: its hashed assets as
 * they are, every other path under it the single page (index.html), which routes in the
 * browser. A strict Content-Security-Policy replaces helmet's on these answers; the API's
 * headers on /v1 do not change. Without a build in `distDir`, /console answers a page
 * saying so.
 */
export async function serveConsole(
  fastify: FastifyInstance,
  distDir: string,
  settings: ConsoleSettings,
): Promise<void> {
  const built = existsSync(path.join(distDir, 'index.html'));
  await fastify.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      void reply.header('content-security-policy', CONSOLE_CSP);
    });
    if (!built) {
      const notBuilt = (_: unknown, reply: FastifyReply) => sendNotBuilt(reply, distDir);
      scope.get(CONSOLE_PATH, notBuilt);
      scope.get(`${CONSOLE_PATH}/*`, notBuilt);
      return;
    }
    // Cache headers are ours: the page is asked for again, assets are kept.
    await scope.register(fastifyStatic, { root: distDir, serve: false, cacheControl: false });
    const page = (_: unknown, reply: FastifyReply) =>
      reply.header('cache-control', PAGE_CACHE).sendFile('index.html');
    scope.get(CONSOLE_PATH, page);
    // What the page needs from the deployment, read once at its start; nothing secret.
    scope.get(`${CONSOLE_PATH}/settings.json`, (_request, reply) =>
      reply.header('cache-control', PAGE_CACHE).send(settings),
    );
    scope.get<{ Params: { '*': string } }>(`${CONSOLE_PATH}/*`, (request, reply) => {
      const file = request.params['*'];
      if (!file.startsWith(ASSETS)) return page(request, reply);
      // A missing asset is a 404 (send refuses paths leaving the root), never the page.
      return reply.header('cache-control', ASSET_CACHE).sendFile(file);
    });
  });
}

function sendNotBuilt(reply: FastifyReply, distDir: string): FastifyReply {
  return reply
    .status(503)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>agentq console</title></head>' +
        '<body><h1>The console is not built</h1>' +
        `<p>No console build in <code>${escapeHtml(distDir)}</code>. ` +
        'Run <code>pnpm build</code> at the repository root, or point ' +
        '<code>AGENTQ_GATEWAY_CONSOLE_DIR</code> at a build of apps/console.</p></body></html>',
    );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
