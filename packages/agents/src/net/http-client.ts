import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isIP } from 'node:net';
import { Agent as Dispatcher, request } from 'undici';
import { InvalidInputError, TimeoutError, TransientError } from '../errors.js';
import { AddressGuard, AddressNotAllowedError } from './address-guard.js';

const tracer = trace.getTracer('agentq');

/** Where agents may send HTTP requests, and how much they may read back. */
export interface HttpPolicy {
  /** Hosts requests may go to: `api.example.com`, or `*.example.com` for its subdomains. */
  allowHosts: readonly string[];
  /** Loopback/private/link-local IPs or CIDRs that may still be connected to. @defaultValue [] */
  allowAddresses?: readonly string[];
  /** Larger response bodies fail the request. @defaultValue 1048576 (1 MiB) */
  maxResponseBytes?: number;
  /** Time limit of a request that sets none. @defaultValue 10000 */
  timeoutMs?: number;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Outbound HTTP under the policy; refusals are InvalidInputError, network trouble Transient. */
export interface HttpClient {
  request(req: HttpRequest, options: { signal: AbortSignal }): Promise<HttpResponse>;
}

function hostAllowed(host: string, allowHosts: readonly string[]): boolean {
  const name = host.toLowerCase();
  return allowHosts.some((entry) => {
    const allowed = entry.toLowerCase();
    return allowed.startsWith('*.') ? name.endsWith(allowed.slice(1)) : name === allowed;
  });
}

function causedBy<E extends Error>(
  error: unknown,
  type: new (...args: never[]) => E,
): E | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof type) return current;
  }
  return undefined;
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** An {@link HttpClient} on undici whose sockets only connect to addresses the guard allows. */
export class GuardedHttpClient implements HttpClient {
  private readonly guard: AddressGuard;
  private readonly dispatcher: Dispatcher;
  private readonly maxResponseBytes: number;
  private readonly timeoutMs: number;

  constructor(private readonly policy: HttpPolicy) {
    this.guard = new AddressGuard(policy.allowAddresses);
    this.dispatcher = new Dispatcher({ connect: { lookup: this.guard.lookup } });
    this.maxResponseBytes = policy.maxResponseBytes ?? 1024 * 1024;
    this.timeoutMs = policy.timeoutMs ?? 10_000;
  }

  private check(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidInputError(`only http and https URLs are allowed, not ${url.protocol}`);
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!hostAllowed(host, this.policy.allowHosts)) {
      throw new InvalidInputError(`host ${host} is not on the allowlist (AGENTQ_HTTP_ALLOW)`);
    }
    // Sockets skip DNS lookup for literal IPs, so the guard's lookup never sees them.
    if (isIP(host) !== 0 && !this.guard.isAllowed(host)) {
      throw new InvalidInputError(`address ${host} is refused (loopback, private or link-local)`);
    }
  }

  async request(req: HttpRequest, options: { signal: AbortSignal }): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new InvalidInputError(`not a URL: ${req.url}`);
    }
    this.check(url);
    if (Object.keys(req.headers ?? {}).some((name) => name.toLowerCase() === 'host')) {
      // The URL's host is what the allowlist checked; a Host header could name another site.
      throw new InvalidInputError('the Host header is set from the URL and cannot be given');
    }
    // A span of the attempt that makes the call; no trace header goes out: the sites an agent
    // calls are not ours to tell our trace ids to. The query is left out: it may hold secrets.
    const span = tracer.startSpan(req.method, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': req.method,
        'server.address': url.hostname,
        'url.full': `${url.origin}${url.pathname}`,
      },
    });
    try {
      const response = await this.send(url, req, options.signal);
      span.setAttribute('http.response.status_code', response.status);
      return response;
    } catch (error) {
      span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  private async send(url: URL, req: HttpRequest, caller: AbortSignal): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.timeoutMs);
    const signal = AbortSignal.any([caller, timeout]);
    try {
      const response = await request(url, {
        dispatcher: this.dispatcher,
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body,
        signal,
      });
      const declared = Number(response.headers['content-length']);
      const chunks: Buffer[] = [];
      let size = Number.isFinite(declared) ? declared : 0;
      if (size <= this.maxResponseBytes) {
        size = 0;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > this.maxResponseBytes) break;
          chunks.push(chunk);
        }
      }
      if (size > this.maxResponseBytes) {
        response.body.destroy();
        throw new InvalidInputError(`response is larger than ${this.maxResponseBytes} bytes`);
      }
      return {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body: Buffer.concat(chunks).toString('utf8'),
      };
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      if (caller.aborted) throw caller.reason;
      if (timeout.aborted) {
        throw new TimeoutError(
          `${url.host} did not answer within ${req.timeoutMs ?? this.timeoutMs} ms`,
        );
      }
      const refused = causedBy(error, AddressNotAllowedError);
      if (refused) throw new InvalidInputError(refused.message);
      throw new TransientError(`request to ${url.host} failed`, { cause: error });
    }
  }

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
