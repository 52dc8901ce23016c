import { NodeSDK } from '@opentelemetry/sdk-node';

/** The apps' tracing, started from the standard OTEL_* settings. */
export interface Tracing {
  /** Whether spans are recorded and exported (else the API's no-op tracer answers). */
  readonly enabled: boolean;
  /** Exports what is left and stops; a no-op when tracing is off. */
  shutdown(): Promise<void>;
}

/**
 * Tracing is on when an OTLP endpoint or a traces exporter is set, and OTEL_SDK_DISABLED is
 * not `true`: with nothing set, no SDK is loaded and every span is the API's no-op, so tracing
 * off costs nothing. The SDK reads the rest itself: OTEL_SERVICE_NAME (else `serviceName`),
 * OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf by default, or http/json, grpc),
 * OTEL_TRACES_SAMPLER and its argument, OTEL_RESOURCE_ATTRIBUTES. No library is patched:
 * agentq makes its own spans.
 */
export function startTracing(
  serviceName: string,
  env: Readonly<Record<string, string | undefined>>,
): Tracing {
  if (!tracingWanted(env)) return { enabled: false, shutdown: () => Promise.resolve() };
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    instrumentations: [],
    // Traces only: metrics have /metrics (Prometheus), logs go to stdout.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}

export function tracingWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (exporter !== undefined && exporter !== '') return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
