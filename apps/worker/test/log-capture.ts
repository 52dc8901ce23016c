import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

type Line = Record<string, unknown>;

/** A pino logger whose lines tests can await instead of sleeping. */
export class LogCapture {
  readonly lines: Line[] = [];
  private waiters: { match: (line: Line) => boolean; resolve: (line: Line) => void }[] = [];
  readonly logger: Logger = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const text of chunk.toString().split('\n').filter(Boolean)) {
          this.push(JSON.parse(text) as Line);
        }
        done();
      },
    }),
  );

  /** The first line (past or future) with this message and these fields. */
  waitFor(msg: string, fields: Line = {}): Promise<Line> {
    const match = (line: Line) =>
      line.msg === msg && Object.entries(fields).every(([key, value]) => line[key] === value);
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  private push(line: Line): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.match(line)) return true;
      waiter.resolve(line);
      return false;
    });
  }
}
