import readline from 'node:readline';

export type InterruptChoice = 'cancel' | 'detach';

/**
 * Asks on the terminal what Ctrl-C meant: `y` cancels, anything else detaches; a second
 * Ctrl-C or the end of input detaches too (leaving is always one keystroke away).
 */
export async function askCancelOrDetach(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  what: string,
): Promise<InterruptChoice> {
  const prompt = readline.createInterface({ input, output, terminal: true });
  try {
    const answer = await new Promise<string | undefined>((resolve) => {
      prompt.once('SIGINT', () => resolve(undefined));
      prompt.once('close', () => resolve(undefined));
      prompt.question(
        `\nCancel ${what}? y = cancel it, n = detach and leave it running [y/N] `,
        resolve,
      );
    });
    return answer !== undefined && /^\s*y(es)?\s*$/i.test(answer) ? 'cancel' : 'detach';
  } finally {
    prompt.close();
  }
}
