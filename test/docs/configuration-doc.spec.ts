import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/app-process.js';
import { renderConfigurationDoc } from './configuration-doc.js';

const FILE = path.join(ROOT, 'docs/configuration.md');

describe('docs/configuration.md', () => {
  it('is what the config schemas say (pnpm docs:config rewrites it)', async () => {
    const rendered = await renderConfigurationDoc();
    if (process.env.UPDATE_CONFIG_DOC === '1') writeFileSync(FILE, rendered);
    const committed = readFileSync(FILE, 'utf8');
    if (committed !== rendered) {
      throw new Error('docs/configuration.md is out of date: run pnpm docs:config');
    }
  });

  it('has every variable in .env.example too', async () => {
    const rendered = await renderConfigurationDoc();
    const variables = [...rendered.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1]);
    const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect(variables.length).toBeGreaterThan(100);
    expect(variables.filter((name) => !listed.has(name))).toEqual([]);
  });
});
