import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/app-process.js';

// The alert rules and the dashboard name metrics by hand; these checks hold them to the
// registries the apps actually serve (built, so run `pnpm build` first).

/** What prom-client keeps of a metric (its config is copied onto it). */
interface Metric {
  name: string;
  type: string;
  labelNames: readonly string[];
}
interface Registry {
  getMetricsAsArray(): Metric[];
}

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance']);
/** Series Prometheus makes itself for each target it scrapes. */
const SCRAPE_SERIES = ['up'];

async function construct(file: string, exported: string, ...args: unknown[]): Promise<unknown> {
  const module = (await import(path.join(ROOT, file))) as Record<
    string,
    new (...args: unknown[]) => unknown
  >;
  const Class = module[exported];
  if (!Class) throw new Error(`${file} exports no ${exported}`);
  return new Class(...args);
}

/** Every series name each app serves, with its labels (a histogram's `le` included). */
async function servedSeries(): Promise<Map<string, Set<string>>> {
  const worker = (await construct('apps/worker/dist/metrics.js', 'WorkerMetrics')) as {
    registry: Registry;
  };
  // The agents' LLM counters live on the worker's registry (createAgentServices).
  await construct('packages/agents/dist/llm/llm-metrics.js', 'LlmMetrics', worker.registry);
  const registries = [
    worker.registry,
    ((await construct('apps/scaler/dist/metrics.js', 'ScalerMetrics')) as { registry: Registry })
      .registry,
    ((await construct('apps/gateway/dist/metrics.js', 'GatewayMetrics')) as { registry: Registry })
      .registry,
  ];
  const series = new Map<string, Set<string>>(SCRAPE_SERIES.map((name) => [name, new Set()]));
  for (const metric of registries.flatMap((registry) => registry.getMetricsAsArray())) {
    const labels = new Set(metric.labelNames);
    if (metric.type === 'histogram' || metric.type === 'summary') {
      series.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${metric.name}_sum`, labels);
      series.set(`${metric.name}_count`, labels);
    } else {
      series.set(metric.name, labels);
    }
  }
  return series;
}

/** A PromQL expression and the labels its result is read by (legend, alert summary). */
interface Query {
  /** The alert, or the panel and target. */
  where: string;
  expr: string;
  shownLabels: string[];
}

function alertQueries(): Query[] {
  const file = path.join(ROOT, 'docker', 'prometheus', 'alerts.yml');
  const rules = parse(readFileSync(file, 'utf8')) as {
    groups: { rules: { alert: string; expr: string; annotations?: Record<string, string> }[] }[];
  };
  return rules.groups.flatMap((group) =>
    group.rules.map((rule) => ({
      where: `alert ${rule.alert}`,
      expr: rule.expr,
      shownLabels: [
        ...Object.values(rule.annotations ?? {})
          .join(' ')
          .matchAll(/\$labels\.(\w+)/g),
      ].map((match) => match[1] ?? ''),
    })),
  );
}

function dashboardQueries(): Query[] {
  const file = path.join(ROOT, 'docker', 'grafana', 'dashboards', 'agentq-overview.json');
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
    panels: {
      title: string;
      targets?: { refId: string; expr: string; legendFormat?: string }[];
    }[];
  };
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `panel "${panel.title}" target ${target.refId}`,
      expr: target.expr,
      shownLabels: [...(target.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map(
        (match) => match[1] ?? '',
      ),
    })),
  );
}

/** The agentq series an expression reads, and every label it groups, matches or shows by. */
function references(query: Query): { series: string[]; labels: string[] } {
  const series = [
    ...new Set([
      ...(query.expr.match(/\bagentq_[a-z0-9_]+\b/g) ?? []),
      ...SCRAPE_SERIES.filter((name) => new RegExp(`\\b${name}\\s*[{=!<>]`).test(query.expr)),
    ]),
  ];
  const grouped = [...query.expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((match) =>
    (match[1] ?? '').split(',').map((label) => label.trim()),
  );
  const matched = [...query.expr.matchAll(/\{([^}]*)\}/g)].flatMap((match) =>
    [...(match[1] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1] ?? ''),
  );
  const labels = [...new Set([...grouped, ...matched, ...query.shownLabels])].filter(
    (label) => label !== '' && !TARGET_LABELS.has(label),
  );
  return { series, labels };
}

describe('metric names in docker/prometheus and docker/grafana', () => {
  let served: Map<string, Set<string>>;
  const queries = [...alertQueries(), ...dashboardQueries()];

  beforeAll(async () => {
    served = await servedSeries();
  });

  it('finds queries to check', () => {
    expect(alertQueries().length).toBeGreaterThanOrEqual(5);
    expect(dashboardQueries().length).toBeGreaterThanOrEqual(10);
  });

  it.each(queries.map((query) => [query.where, query] as const))(
    '%s reads only series an app serves, by labels they carry',
    (_where, query) => {
      const { series, labels } = references(query);
      expect(series.length).toBeGreaterThan(0);
      for (const name of series) {
        const carried = served.get(name);
        expect({ name, served: carried !== undefined }).toEqual({ name, served: true });
        const missing = labels.filter((label) => !carried?.has(label));
        expect({ name, missing }).toEqual({ name, missing: [] });
      }
    },
  );

  it('uses the scaler gauges the alerts are built on', () => {
    const alertSeries = alertQueries().flatMap((query) => references(query).series);
    expect(alertSeries).toEqual(
      expect.arrayContaining([
        'agentq_scaler_backlog_tasks',
        'agentq_scaler_objective_miss_seconds',
        'agentq_scaler_live_workers',
        'agentq_redis_up',
        'agentq_scaler_decisions_total',
      ]),
    );
  });

  it('has a dashboard that picks its data source and pools and agents, and shows the gateway and saturation', () => {
    const file = path.join(ROOT, 'docker', 'grafana', 'dashboards', 'agentq-overview.json');
    const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
      templating: { list: { name: string; type: string }[] };
      panels: { title: string; datasource: { uid: string }; targets?: { expr: string }[] }[];
    };
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual(
      expect.arrayContaining(['datasource', 'pool', 'agent']),
    );
    // No data source uid of one installation: every panel uses the variable.
    expect(dashboard.panels.filter((panel) => panel.datasource.uid !== '${datasource}')).toEqual(
      [],
    );
    const series = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) => target.expr.match(/\bagentq_[a-z0-9_]+\b/g) ?? []),
    );
    expect(series).toEqual(
      expect.arrayContaining([
        'agentq_gateway_http_requests_total',
        'agentq_gateway_http_request_duration_seconds_bucket',
        'agentq_worker_active_tasks',
        'agentq_worker_concurrency_limit',
        'agentq_worker_process_cpu_seconds_total',
      ]),
    );
    const filtered = dashboard.panels
      .flatMap((panel) => (panel.targets ?? []).map((target) => target.expr))
      .filter((expr) => expr.includes('$pool'));
    expect(filtered.length).toBeGreaterThan(5);
  });
});
