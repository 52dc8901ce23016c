import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from '../helpers/app-process.js';

// The Prometheus Operator's PrometheusRule carries the same alerts as the Compose stack's
// Prometheus: generated from docker/prometheus/alerts.yml, and this test fails when the two
// differ. UPDATE_PROMETHEUS_RULE=1 rewrites it (`pnpm docs:config` style).

const ALERTS = path.join(ROOT, 'docker', 'prometheus', 'alerts.yml');
const RULE = path.join(
  ROOT,
  'docker',
  'kubernetes',
  'components',
  'prometheus-operator',
  'prometheus-rule.yaml',
);

function expectedRule(): string {
  const { groups } = parse(readFileSync(ALERTS, 'utf8')) as { groups: unknown[] };
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'agentq' },
    spec: { groups },
  };
  return `# Generated from docker/prometheus/alerts.yml by test/deploy/prometheus-rule.spec.ts
# (UPDATE_PROMETHEUS_RULE=1); edit the alerts there.
${stringify(rule, { lineWidth: 0 })}`;
}

describe('the PrometheusRule of the prometheus-operator component', () => {
  it('holds exactly the alerts of docker/prometheus/alerts.yml', () => {
    const expected = expectedRule();
    if (process.env.UPDATE_PROMETHEUS_RULE === '1') writeFileSync(RULE, expected);
    expect(parse(readFileSync(RULE, 'utf8'))).toEqual(parse(expected));
  });
});
