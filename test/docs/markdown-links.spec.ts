import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/app-process.js';

/** Folders that hold no documentation of the project's own. */
const SKIP = new Set([
  'node_modules',
  'dist',
  '.git',
  '.turbo',
  '.data',
  '.bench-dist',
  'coverage',
]);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(full);
    return entry.name.endsWith('.md') ? [full] : [];
  });
}

/** `[label](target)` outside code: relative targets only, anchors dropped. */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^([a-z]+:|#)/.test(target))
    .map((target) => decodeURIComponent(target.split('#')[0] ?? ''));
}

const files = markdownFiles(ROOT);

describe('the documentation', () => {
  it('is found', () => {
    expect(files.map((file) => path.relative(ROOT, file))).toEqual(
      expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/configuration.md']),
    );
  });

  it.each(files.map((file) => [path.relative(ROOT, file), file]))(
    '%s links only to files that exist',
    (_name, file) => {
      const broken = relativeLinks(readFileSync(file, 'utf8')).filter(
        (target) => !existsSync(path.resolve(path.dirname(file), target)),
      );
      expect(broken).toEqual([]);
    },
  );

  it.each(files.map((file) => [path.relative(ROOT, file), file]))(
    '%s keeps table cells short (long text reads better as prose)',
    (_name, file) => {
      const long = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .flatMap((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()))
        .filter((cell) => cell.length > 300);
      expect(long).toEqual([]);
    },
  );
});
