import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ErrorCode } from '@agentq/contracts';
import { Public } from '../auth/public.decorator.js';
import { ApiError } from '../http/api-error.js';
import { openApiDocument } from './openapi.js';

/** Swagger UI's files, served from the installed package: the page works offline. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};
const assetDir = path.dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>agentq API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;

/** A file rather than an inline script, so the Content-Security-Policy can forbid inline ones. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#ui' });\n`;

/**
 * `/docs`: the API browsable; `/docs/openapi.json`: the document itself. Public: it
 * describes the API, holds no data.
 */
@Controller('docs')
@Public()
export class DocsController {
  private readonly document = openApiDocument();
  private readonly assets = new Map<string, Buffer>();

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('init.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  init(): string {
    return INIT_SCRIPT;
  }

  @Get('openapi.json')
  openApi(): Record<string, unknown> {
    return this.document;
  }

  @Get('assets/:file')
  @Header('cache-control', 'public, max-age=86400')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const type = ASSETS[file];
    if (type === undefined || !Object.hasOwn(ASSETS, file)) {
      throw new ApiError(ErrorCode.NotFound, 'no such asset');
    }
    void reply.header('content-type', type);
    let content = this.assets.get(file);
    if (!content) {
      content = readFileSync(path.join(assetDir, file));
      this.assets.set(file, content);
    }
    return content;
  }
}
