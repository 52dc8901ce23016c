import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT } from '../../helpers/app-process.js';
import type { Section, SectionResult } from './section.js';

const RESULT_MARK = 'BENCH_RESULT ';

/**
 * Runs a bench script of its own (`node <script>`, path from the repo root) with
 * BENCH_OUTPUT=json; its output goes to the console, and the JSON of its last
 * `BENCH_RESULT {...}` line is the answer. This is how the suite reuses the apps' benches.
 */
export function runBenchScript(script: string, env: Record<string, string>): Promise<unknown> {
  const child = spawn(process.execPath, [path.join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env, BENCH_OUTPUT: 'json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let result: unknown;
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(RESULT_MARK)) result = JSON.parse(line.slice(RESULT_MARK.length));
    else console.log(`  ${line}`);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`${script} exited with ${code}`));
      else if (result === undefined) reject(new Error(`${script} printed no ${RESULT_MARK}line`));
      else resolve(result);
    });
  });
}

/**
 * A section made of one script that prints `BENCH_RESULT {"tables": [...], "notes": [...]}`
 * (a SectionResult as JSON): the way to add a bench kept elsewhere (e.g. `pnpm bench:workflow`)
 * to the suite with one entry in run.ts.
 */
export function scriptSection(options: {
  id: string;
  title: string;
  method: string;
  script: string;
  env?: (scale: number) => Record<string, string>;
}): Section {
  return {
    id: options.id,
    title: options.title,
    method: options.method,
    async run(context) {
      const env = { REDIS_URL: context.redisUrl, ...options.env?.(context.scale) };
      return (await runBenchScript(options.script, env)) as SectionResult;
    },
  };
}
