import Table from 'cli-table3';
import pc from 'picocolors';
import type { Colors } from '../format/colors.js';

/** How output is shaped: JSON for scripts, a live terminal, or plain lines for pipes and logs. */
export type OutputMode = 'json' | 'tty' | 'plain';

export interface PrinterStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** No borders: aligned columns that read well in a pipe too. */
const PLAIN_TABLE_CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** Writes results to stdout and messages for people to stderr, as the mode wants. */
export class Printer {
  readonly colors: Colors;

  constructor(
    readonly mode: OutputMode,
    private readonly streams: PrinterStreams,
    colorEnabled: boolean,
  ) {
    this.colors = pc.createColors(colorEnabled && mode === 'tty');
  }

  get stdout(): NodeJS.WritableStream {
    return this.streams.stdout;
  }

  get stderr(): NodeJS.WritableStream {
    return this.streams.stderr;
  }

  line(text = ''): void {
    this.streams.stdout.write(`${text}\n`);
  }

  /** A message for a person (progress, hints); kept off stdout so results stay parseable. */
  note(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  /** One JSON document, indented: what `--json` prints. */
  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** One JSON document on one line: an entry of a stream (NDJSON). */
  jsonLine(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  table(head: readonly string[], rows: readonly (readonly string[])[]): void {
    const boxed = this.mode === 'tty';
    const table = new Table({
      head: head.map((title) => this.colors.bold(title)),
      style: {
        head: [],
        border: [],
        compact: true,
        'padding-left': boxed ? 1 : 0,
        'padding-right': boxed ? 1 : 0,
      },
      ...(boxed ? {} : { chars: PLAIN_TABLE_CHARS }),
    });
    table.push(...rows.map((row) => [...row]));
    // Plain tables keep no trailing spaces, so a pipe's lines compare as written.
    const text = boxed ? table.toString() : table.toString().replace(/ +$/gm, '');
    this.line(text);
  }

  /** Label and value pairs, one per line. */
  fields(pairs: readonly (readonly [string, string])[]): void {
    const width = Math.max(...pairs.map(([label]) => label.length));
    for (const [label, value] of pairs) {
      this.line(`${this.colors.dim(`${label}:`.padEnd(width + 1))} ${value}`);
    }
  }
}
