import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/app-process.js';

// The alert rules, checked and unit-tested by promtool (Debian's, fetched once by
// scripts/promtool.sh when none is on PATH): every alert fires when it should and stays quiet
// when it should not (docker/prometheus/alerts.test.yml).

const RULES = path.join(ROOT, 'docker', 'prometheus', 'alerts.yml');
const RULE_TESTS = path.join(ROOT, 'docker', 'prometheus', 'alerts.test.yml');
let promtool: string;

beforeAll(() => {
  promtool = execFileSync(path.join(ROOT, 'scripts', 'promtool.sh'), { encoding: 'utf8' }).trim();
}, 120_000);

function run(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(promtool, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('docker/prometheus/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const { status, output } = run('check', 'rules', RULES);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('behaves as alerts.test.yml says, for every alert', () => {
    const names = (
      parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert?: string }[] }[] }
    ).groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.alert] : [])));
    const tested = new Set(
      (
        parse(readFileSync(RULE_TESTS, 'utf8')) as {
          tests: { alert_rule_test: { alertname: string }[] }[];
        }
      ).tests.flatMap((test) => test.alert_rule_test.map((check) => check.alertname)),
    );
    expect(names.filter((name) => !tested.has(name))).toEqual([]);
    const { status, output } = run('test', 'rules', RULE_TESTS);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});
