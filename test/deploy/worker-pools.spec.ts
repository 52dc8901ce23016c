import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/app-process.js';
import { GENERATED, KUBERNETES, poolManifests, readPools } from './worker-pools.js';

const RBAC = ['scaler-actuator', 'keda'].map((overlay) =>
  path.join(KUBERNETES, 'overlays', overlay, 'rbac.yaml'),
);

// The workers' Deployments, disruption budgets and ScaledObjects come from one description,
// docker/kubernetes/pools.yaml; UPDATE_K8S_POOLS=1 (`pnpm k8s:pools`) rewrites them.

const parsed = (text: string) => parseAllDocuments(text).map((doc) => doc.toJSON() as unknown);

describe('the worker pools of docker/kubernetes', () => {
  it("are generated from pools.yaml, with each pod outliving its profile's drain", async () => {
    const { PROFILES } = (await import(
      path.join(ROOT, 'apps', 'worker', 'dist', 'profiles.js')
    )) as {
      PROFILES: Record<string, { drainGraceMs: number }>;
    };
    const pools = readPools();
    expect(pools.length).toBeGreaterThan(0);
    const drainMsOf = (profile: string) => {
      const found = PROFILES[profile];
      if (!found) throw new Error(`pools.yaml: no profile ${profile}`);
      return found.drainGraceMs;
    };
    const expected = poolManifests(pools, drainMsOf);
    for (const [name, file] of Object.entries(GENERATED) as [keyof typeof GENERATED, string][]) {
      if (process.env.UPDATE_K8S_POOLS === '1') writeFileSync(file, expected[name]);
      expect({ file, docs: parsed(readFileSync(file, 'utf8')) }).toEqual({
        file,
        docs: parsed(expected[name]),
      });
    }
    // The batch profile's five minutes, say, are not cut at a fixed 30 s.
    expect(poolManifests([{ name: 'jobs', profile: 'batch' }], drainMsOf).base).toContain(
      `terminationGracePeriodSeconds: ${(PROFILES.batch?.drainGraceMs ?? 0) / 1000 + 15}`,
    );
  });

  it.each(RBAC)("are each in the scaler's Role (%s), and only they", (file) => {
    const rbac = parsed(readFileSync(file, 'utf8')) as {
      kind: string;
      rules?: { resources: string[]; resourceNames?: string[] }[];
    }[];
    const role = rbac.find((doc) => doc.kind === 'Role');
    const scale = role?.rules?.find((rule) => rule.resources.includes('deployments/scale'));
    expect(scale?.resourceNames?.sort()).toEqual(
      readPools()
        .map((pool) => `agentq-worker-${pool.name}`)
        .sort(),
    );
  });
});
