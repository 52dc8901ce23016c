import { TEST_KEY, authHeader } from './api-keys.js';

/** A JSON answer from the gateway. */
export interface JsonAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * Every request the system tests and benchmarks make to the gateway goes through here, so
 * what each one must carry is set in one place: an API key, TEST_KEY unless another is given
 * (`null`: none).
 */
export function gatewayFetch(
  url: string,
  init: RequestInit = {},
  key: string | null = TEST_KEY.key,
): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { ...authHeader(key), ...(init.headers as Record<string, string>) },
  });
}

/** Real HTTP to the gateway with an API key (as gatewayFetch); an object body is sent as JSON. */
export async function http(
  method: string,
  url: string,
  body?: unknown,
  key: string | null = TEST_KEY.key,
): Promise<JsonAnswer> {
  const response = await gatewayFetch(
    url,
    {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    key,
  );
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
