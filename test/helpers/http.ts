import { TEST_KEY, authHeader } from './api-keys.js';

/** A JSON answer from the gateway. */
export interface JsonAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Real HTTP to the gateway with an API key (TEST_KEY unless given; null: none); an object body is sent as JSON. */
export async function http(
  method: string,
  url: string,
  body?: unknown,
  key: string | null = TEST_KEY.key,
): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...authHeader(key),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
