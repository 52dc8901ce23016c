import {
  ROOT_CONTEXT,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  propagation,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * A task's place in its trace (W3C trace context), kept in its job so that every attempt,
 * on any worker, however much later, joins the trace of the request that submitted it.
 */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

/** The carrier of a context's span, or undefined when there is none (tracing off). */
export function traceCarrier(from: Context = context.active()): TraceCarrier | undefined {
  const headers: Record<string, string> = {};
  propagation.inject(from, headers);
  const { traceparent, tracestate } = headers;
  if (traceparent === undefined) return undefined;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

/** The context a carrier (or request headers) names, to start child spans in. */
export function contextOf(carrier: Readonly<Record<string, unknown>> | undefined): Context {
  if (carrier === undefined) return ROOT_CONTEXT;
  const headers: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = carrier[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Reads carriers whatever the process' own propagator (none while its tracing is off). */
const w3c = new W3CTraceContextPropagator();

/** The trace id a carrier names (for the task view), if it is a valid one. */
export function traceIdOf(carrier: TraceCarrier | undefined): string | undefined {
  if (carrier === undefined) return undefined;
  const read = w3c.extract(ROOT_CONTEXT, { ...carrier }, defaultTextMapGetter);
  const spanContext = trace.getSpanContext(read);
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** agentq's tracer: spans named `agentq.*`, plus the GenAI ones of LLM calls. */
export const tracer = trace.getTracer('agentq');

/** Marks a span failed with the error's class and message (the caller ends it). */
export function markFailed(span: Span, error: unknown, errorType: string): void {
  span.setAttribute('error.type', errorType);
  span.recordException(error instanceof Error ? error : new Error(String(error)));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/**
 * `trace_id` and `span_id` of the active span, for a log line (pino's `mixin`): a line logged
 * while a request or an attempt runs names its trace. Nothing when no span is active.
 */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
