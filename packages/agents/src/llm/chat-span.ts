import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ChatRequest, ChatResult } from './chat.js';

const tracer = trace.getTracer('agentq');

/**
 * An LLM call as a span of the attempt that made it, with the OpenTelemetry GenAI semantic
 * conventions: the model asked for and the one that answered, token counts, finish reason,
 * whether it streamed. With tracing off, the API's no-op span.
 */
export function startChatSpan(
  request: ChatRequest,
  model: string,
  streaming: boolean,
): { succeeded(result: ChatResult): void; failed(error: unknown): void } {
  const span: Span = tracer.startSpan(`chat ${model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      // Every provider speaks the OpenAI chat API; `agentq.llm.provider` names which one.
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': model,
      ...(request.maxTokens === undefined
        ? {}
        : { 'gen_ai.request.max_tokens': request.maxTokens }),
      ...(request.temperature === undefined
        ? {}
        : { 'gen_ai.request.temperature': request.temperature }),
      'agentq.llm.streaming': streaming,
    },
  });
  return {
    succeeded(result) {
      span.setAttributes({
        'agentq.llm.provider': result.provider ?? 'default',
        'gen_ai.response.model': result.model,
        'gen_ai.usage.input_tokens': result.usage.inputTokens,
        'gen_ai.usage.output_tokens': result.usage.outputTokens,
        ...(result.finishReason === null
          ? {}
          : { 'gen_ai.response.finish_reasons': [result.finishReason] }),
        ...(result.fallbacks?.length ? { 'agentq.llm.fallbacks': result.fallbacks.length } : {}),
      });
      span.end();
    },
    failed(error) {
      const err = error instanceof Error ? error : new Error(String(error));
      span.setAttribute('error.type', err.name);
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.end();
    },
  };
}
