import { Body, Controller, Delete, Get, Headers, Param, Put, Query } from '@nestjs/common';
import {
  PoolNameSchema,
  ScalerDecisionsQuerySchema,
  ScalerPinBodySchema,
  type ScalerDecisionsPage,
  type ScalerPinView,
  type ScalerStatusView,
} from '@agentq/contracts';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import { parseOrThrow, parseQueryOrThrow } from '../http/parse-or-throw.js';
import { ScalerForwarder } from './scaler-forwarder.js';

/**
 * `/v1/scaler/...`: the scaler's status, its decisions and pins, for admin keys, forwarded
 * to the scaler's own API (which checks the key again before a pin).
 */
@Controller('v1/scaler')
@RequireScopes('admin')
export class ScalerController {
  constructor(private readonly scaler: ScalerForwarder) {}

  @Get('status')
  status(): Promise<ScalerStatusView> {
    return this.scaler.forward({ method: 'GET', path: '/status', headers: {} });
  }

  @Get('decisions')
  decisions(@Query() query: unknown): Promise<ScalerDecisionsPage> {
    const { pool, before, limit } = parseQueryOrThrow(ScalerDecisionsQuerySchema, query);
    const params = new URLSearchParams({ limit: String(limit) });
    if (pool !== undefined) params.set('pool', pool);
    if (before !== undefined) params.set('before', before);
    return this.scaler.forward({
      method: 'GET',
      path: `/decisions?${params.toString()}`,
      headers: {},
    });
  }

  @Put('pins/:pool')
  pin(
    @Param('pool') poolParam: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
  ): Promise<ScalerPinView> {
    const pool = parseOrThrow(PoolNameSchema, poolParam, 'params.pool');
    const pin = parseOrThrow(ScalerPinBodySchema, body, 'body');
    return this.scaler.forward({
      method: 'POST',
      path: '/scale',
      body: { pool, ...pin },
      headers: credentials(headers),
    });
  }

  @Delete('pins/:pool')
  unpin(
    @Param('pool') poolParam: string,
    @Headers() headers: Record<string, string | undefined>,
  ): Promise<ScalerPinView> {
    const pool = parseOrThrow(PoolNameSchema, poolParam, 'params.pool');
    return this.scaler.forward({
      method: 'DELETE',
      path: `/scale/${encodeURIComponent(pool)}`,
      headers: credentials(headers),
    });
  }
}

/** The caller's key, in the header it came in. */
function credentials(headers: Record<string, string | undefined>): Record<string, string> {
  const { authorization, 'x-api-key': apiKey } = headers;
  return {
    ...(authorization === undefined ? {} : { authorization }),
    ...(apiKey === undefined ? {} : { 'x-api-key': apiKey }),
  };
}
