import type { IncomingHttpHeaders } from 'node:http';
import { MIMEType } from 'node:util';
import { ErrorCode } from '@agentq/contracts';
import { presentedKey, type ApiKeyStore, type Principal } from '@agentq/queue';
import { HttpError } from './http-error.js';

/**
 * Who may change what the scaler does: a key with the `admin` scope, presented and looked up
 * exactly as the gateway does (`Authorization: Bearer <key>` or `X-API-Key`, by its sha256).
 */
export function authorizeWrite(keys: ApiKeyStore, headers: IncomingHttpHeaders): Principal {
  const key = presentedKey(headers);
  if (key === undefined) {
    throw new HttpError(
      401,
      ErrorCode.Unauthenticated,
      'an admin API key is required: send Authorization: Bearer <key> or X-API-Key: <key>',
    );
  }
  const principal = keys.authenticate(key);
  if (!principal) throw new HttpError(401, ErrorCode.Unauthenticated, 'unknown API key');
  if (!principal.scopes.has('admin')) {
    throw new HttpError(403, ErrorCode.Forbidden, 'this API key lacks the scope admin', {
      missing: ['admin'],
    });
  }
  return principal;
}

/**
 * Only `application/json` bodies: a form or `text/plain` POST needs no CORS preflight, so
 * accepting one would let any web page an operator opens send a pin.
 */
export function requireJson(headers: IncomingHttpHeaders): void {
  const header = headers['content-type'];
  let essence: string | undefined;
  try {
    essence = header === undefined ? undefined : new MIMEType(header).essence;
  } catch {
    essence = undefined;
  }
  if (essence !== 'application/json') {
    throw new HttpError(
      415,
      ErrorCode.UnsupportedMediaType,
      `content-type must be application/json (got ${header ?? 'none'})`,
    );
  }
}
