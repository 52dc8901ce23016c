import type { IncomingHttpHeaders } from 'node:http';

/** Longest credential read at all: anything longer is not one of our keys. */
const MAX_KEY_LENGTH = 256;

export interface CredentialOptions {
  /** Also read `Authorization: Basic` (the password is the key): browsers prompt for it. */
  basic?: boolean;
}

/**
 * The API key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`;
 * undefined when there is none (or the header is malformed).
 */
export function presentedKey(
  headers: IncomingHttpHeaders,
  options: CredentialOptions = {},
): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return bounded(apiKey.trim());
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const [scheme = '', value = ''] = authorization.trim().split(/\s+/, 2);
  switch (scheme.toLowerCase()) {
    case 'bearer':
      return bounded(value);
    case 'basic': {
      if (!options.basic) return undefined;
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon < 0 ? undefined : bounded(decoded.slice(colon + 1));
    }
    default:
      return undefined;
  }
}

function bounded(key: string): string | undefined {
  return key !== '' && key.length <= MAX_KEY_LENGTH ? key : undefined;
}
