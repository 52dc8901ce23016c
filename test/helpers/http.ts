/** A JSON answer from the gateway. */
export interface JsonAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * Every request the system tests and benchmarks make to the gateway goes through here, so
 * what each one must carry (an API key, once the gateway requires one) is set in one place.
 */
export function gatewayFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>) } });
}

/** Real HTTP to the gateway; an object body is sent as JSON. */
export async function http(method: string, url: string, body?: unknown): Promise<JsonAnswer> {
  const response = await gatewayFetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
