import type { ReceivedSpan } from './otlp-receiver.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * One trace as a waterfall page (each span a bar on the trace's time line, indented under its
 * parent), as a trace viewer draws it: for the screenshot in docs/tracing.md.
 */
export function traceWaterfall(spans: readonly ReceivedSpan[]): string {
  const start = Math.min(...spans.map((span) => span.startMs));
  const end = Math.max(...spans.map((span) => span.endMs));
  const total = Math.max(1, end - start);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const depth = (span: ReceivedSpan): number => {
    const parent = byId.get(span.parentSpanId);
    return parent ? depth(parent) + 1 : 0;
  };
  const rows = [...spans]
    .sort((a, b) => a.startMs - b.startMs || depth(a) - depth(b))
    .map((span) => {
      const left = ((span.startMs - start) / total) * 100;
      const width = Math.max(0.4, ((span.endMs - span.startMs) / total) * 100);
      const failed = span.status.code === 2;
      const attempt = span.attributes['agentq.attempt'];
      const label = attempt === undefined ? span.name : `${span.name} #${String(attempt)}`;
      return `<div class="row"><div class="name" style="padding-left:${depth(span) * 16 + 8}px">
        <span class="svc">${escape(span.service.replace('agentq-', ''))}</span> ${escape(label)}</div>
        <div class="lane"><div class="bar${failed ? ' failed' : ''}" style="left:${left}%;width:${width}%"></div>
        <span class="ms" style="left:${left}%">${span.endMs - span.startMs} ms</span></div></div>`;
    })
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { font: 13px system-ui, sans-serif; margin: 16px; color: #1b1f24; background: #fff; }
    h1 { font-size: 15px; } .meta { color: #57606a; margin-bottom: 12px; }
    .row { display: flex; align-items: center; height: 26px; border-bottom: 1px solid #eaeef2; }
    .name { width: 360px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .svc { display: inline-block; min-width: 56px; color: #0969da; font-size: 11px; }
    .lane { position: relative; flex: 1; height: 100%; }
    .bar { position: absolute; top: 7px; height: 12px; background: #54aeff; border-radius: 2px; }
    .bar.failed { background: #ff8182; }
    .ms { position: absolute; top: 6px; margin-left: 4px; font-size: 11px; color: #57606a;
      transform: translateY(12px); }
  </style></head><body><h1>Trace ${escape(spans[0]?.traceId ?? '')}</h1>
  <div class="meta">${spans.length} spans, ${total} ms, from the OTLP export of the gateway and
  the worker</div>${rows}</body></html>`;
}
