// The benchmark suite: `pnpm bench` at the root (builds first). Runs every section in turn
// against a redis-server of its own, prints each table, and writes docs/BENCHMARKS.md.
// Not run by CI. See HOW_TO_RUN below (also written into the file) for the knobs.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import { ROOT } from '../helpers/app-process.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { describeMachine, loadAverage, type Machine } from './lib/machine.js';
import type { BenchContext, Section, SectionResult } from './lib/section.js';
import { format, since } from './lib/stats.js';
import { markdownTable } from './lib/table.js';
import { drainSection } from './sections/drain.js';
import { failoverSection } from './sections/failover.js';
import { fairnessSection } from './sections/fairness.js';
import { latencySection } from './sections/latency.js';
import { noopConcurrencySection } from './sections/noop-concurrency.js';
import { noopProcessesSection } from './sections/noop-processes.js';
import { scalerSection } from './sections/scaler.js';
import { shardsSection } from './sections/shards.js';
import { submitSection } from './sections/submit.js';
import { topologiesSection } from './sections/topologies.js';
import { tracingSection } from './sections/tracing.js';
import { workflowSection } from './sections/workflow.js';

const SECTIONS: Section[] = [
  submitSection,
  latencySection,
  noopConcurrencySection,
  noopProcessesSection,
  drainSection,
  failoverSection,
  scalerSection,
  workflowSection,
  topologiesSection,
  shardsSection,
  fairnessSection,
  tracingSection,
];

const HOW_TO_RUN = `\`pnpm bench\` at the root builds the apps, then runs \`test/bench/run.ts\` (compiled to
\`test/.bench-dist\`): every section below in turn, against a redis-server of its own on a free
port (BENCH_REDIS_URL to use another), and rewrites this file. A full run takes about 10–15
minutes. Run it on a quiet machine: other work on the same cores shows in every figure. Each
figure stands beside its raw counterpart (bare BullMQ / bare Fastify) measured in the same run;
read the ratios, which travel between machines better than the absolute numbers.

| variable | default | what |
| --- | --- | --- |
| \`BENCH_SCALE\` | \`1\` | factor on every size (tasks, seconds, runs); \`0.05\` checks the suite in a few minutes, and marks the file as a check |
| \`BENCH_ONLY\` | all | sections to run, by id: ${SECTIONS.map((s) => `\`${s.id}\``).join(', ')} |
| \`BENCH_OUT\` | \`docs/BENCHMARKS.md\` | where the file goes |
| \`BENCH_PLAN\` | unset | \`1\`: run nothing, write the file with each section's method only |

Each section names its own sizes (\`BENCH_DRAIN_TASKS\`, \`BENCH_FAILOVER_RUNS\`, …) in its method.`;

async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const only = process.env.BENCH_ONLY?.split(',').map((id) => id.trim());
  const out = path.resolve(ROOT, process.env.BENCH_OUT ?? 'docs/BENCHMARKS.md');
  const plan = process.env.BENCH_PLAN === '1';
  const sections = SECTIONS.filter((section) => !only || only.includes(section.id));
  if (only?.some((id) => !SECTIONS.some((section) => section.id === id))) {
    throw new Error(`BENCH_ONLY: known sections are ${SECTIONS.map((s) => s.id).join(', ')}`);
  }
  if (plan) {
    writeFileSync(
      out,
      render(
        sections.map((section) => ({ section })),
        undefined,
        scale,
        undefined,
      ),
    );
    console.log(`wrote ${path.relative(ROOT, out)} (methods only)`);
    return;
  }

  const server = process.env.BENCH_REDIS_URL
    ? undefined
    : await TestRedisServer.create({ aof: false });
  await server?.start();
  const redisUrl = process.env.BENCH_REDIS_URL ?? server?.url ?? '';
  const prefixes: string[] = [];
  const context: BenchContext = {
    redisUrl,
    scale,
    prefix: (name) => {
      const prefix = `agentq-bench-${name}-${randomUUID().slice(0, 8)}`;
      prefixes.push(prefix);
      return prefix;
    },
    log: (message) => console.log(`  ${message}`),
  };
  const done: Outcome[] = [];
  try {
    const machine = await describeMachine(redisUrl);
    console.log(machineLine(machine));
    for (const section of sections) {
      console.log(`\n== ${section.title} (${section.id})`);
      const start = performance.now();
      let outcome: Outcome;
      try {
        outcome = { section, result: await section.run(context) };
      } catch (error) {
        console.error(error);
        // The first line only: a process's output tail belongs on the console, not in the file.
        const message = error instanceof Error ? error.message : String(error);
        outcome = { section, error: message.split('\n')[0] };
      }
      outcome.seconds = since(start) / 1000;
      outcome.load = loadAverage();
      done.push(outcome);
      console.log(renderSection(outcome, machine));
    }
    // A partial run (BENCH_ONLY) keeps the figures of the sections it did not run.
    const kept = only ? sectionsOf(out) : new Map<string, string>();
    const outcomes = SECTIONS.flatMap((section): Outcome[] => {
      const run = done.find((outcome) => outcome.section === section);
      if (run) return [run];
      const previous = kept.get(section.title);
      return previous === undefined ? [] : [{ section, previous }];
    });
    // The machine of the last full run stays: each section run alone says its own.
    writeFileSync(out, render(outcomes, machine, scale, only ? kept.get('Machine') : undefined));
    console.log(`\nwrote ${path.relative(ROOT, out)}`);
  } finally {
    const redis = createRedis(redisUrl, 'worker', 'bench-cleanup');
    for (const prefix of prefixes) await deleteKeysByPrefix(redis, prefix);
    await redis.quit();
    await server?.remove();
  }
  if (done.some((outcome) => outcome.error)) process.exitCode = 1;
}

interface Outcome {
  section: Section;
  /** The section as an earlier run wrote it (not run this time). */
  previous?: string;
  result?: SectionResult;
  error?: string;
  seconds?: number;
  load?: number;
}

function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB; ${m.os}; node ${m.node}, redis ${m.redis}, bullmq ${m.bullmq}; load average ${loadAverage().toFixed(1)}`;
}

/** The sections of an existing file, by title: what follows each `## <title>` line. */
function sectionsOf(file: string): Map<string, string> {
  if (!existsSync(file)) return new Map();
  const sections = new Map<string, string>();
  for (const part of readFileSync(file, 'utf8').split(/^## /m).slice(1)) {
    const newline = part.indexOf('\n');
    sections.set(part.slice(0, newline), part.slice(newline + 1).trim());
  }
  return sections;
}

function renderSection(outcome: Outcome, machine: Machine | undefined): string {
  const parts: string[] = [];
  if (outcome.error) parts.push(`**Failed:** ${outcome.error}`);
  for (const table of outcome.result?.tables ?? []) parts.push(markdownTable(table));
  const notes = outcome.result?.notes ?? [];
  if (notes.length > 0) parts.push(notes.map((note) => `- ${note}`).join('\n'));
  if (outcome.seconds !== undefined) {
    const where = machine
      ? `; measured ${machine.date} on ${machine.cpu}, node ${machine.node}`
      : '';
    parts.push(
      `_Took ${format.seconds(outcome.seconds * 1000)} s; load average after: ${outcome.load?.toFixed(1)}${where}._`,
    );
  }
  if (!outcome.result && !outcome.error) parts.push('_Not measured yet: run `pnpm bench`._');
  return parts.join('\n\n');
}

function render(
  outcomes: Outcome[],
  machine: Machine | undefined,
  scale: number,
  keptMachine: string | undefined,
): string {
  const header = keptMachine
    ? "Measured by `pnpm bench` (`test/bench/run.ts`): the machine below is the last full run's; a section measured on its own since says when and where in its last line."
    : machine
      ? `Measured ${machine.date} by \`pnpm bench\` (\`test/bench/run.ts\`).`
      : 'Methods only: no figures yet (`BENCH_PLAN=1`). Run `pnpm bench` on a quiet machine to fill them in.';
  const check =
    machine && scale !== 1
      ? `\n\n> **A check of the suite at scale ${scale}, not results**: sizes this small (and a machine busy with other work) make the figures meaningless; run at scale 1 on a quiet machine.`
      : '';
  const machineTable = keptMachine
    ? `\n\n## Machine\n\n${keptMachine}`
    : machine
      ? `\n\n## Machine\n\n${markdownTable({
          headers: ['cpu', 'cores', 'memory', 'os', 'node', 'redis', 'bullmq', 'load at start'],
          rows: [
            [
              machine.cpu,
              machine.cores,
              `${machine.memoryGb} GB`,
              machine.os,
              machine.node,
              machine.redis,
              machine.bullmq,
              machine.loadAtStart.toFixed(1),
            ],
          ],
        })}`
      : '';
  const body = outcomes
    .map(
      (outcome) =>
        `## ${outcome.section.title}\n\n${
          outcome.previous ?? `${outcome.section.method}\n\n${renderSection(outcome, machine)}`
        }`,
    )
    .join('\n\n');
  return `# Benchmarks\n\n${header}${check}\n\n## How to run\n\n${HOW_TO_RUN}${machineTable}\n\n${body}\n`;
}

await main();
