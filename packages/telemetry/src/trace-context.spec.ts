import { ROOT_CONTEXT, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { contextOf, traceCarrier, traceIdOf } from './trace-context.js';
import { tracingWanted } from './tracing.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace context in a job', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  it('carries a span context through a job and back', () => {
    const parent = contextOf({ traceparent: TRACEPARENT, tracestate: 'vendor=1' });
    expect(trace.getSpanContext(parent)).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    });
    expect(traceCarrier(parent)).toEqual({ traceparent: TRACEPARENT, tracestate: 'vendor=1' });
    expect(traceIdOf({ traceparent: TRACEPARENT })).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('carries nothing without a span, and reads nothing from a bad carrier', () => {
    expect(traceCarrier(ROOT_CONTEXT)).toBeUndefined();
    expect(traceIdOf({ traceparent: 'not-a-traceparent' })).toBeUndefined();
    expect(trace.getSpanContext(contextOf({ traceparent: 42 }))).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
  });
});

describe('tracingWanted', () => {
  it('is on with an OTLP endpoint or a traces exporter, off when disabled or unset', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(
      true,
    );
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'x' })).toBe(
      false,
    );
    expect(
      tracingWanted({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toBe(false);
  });
});
