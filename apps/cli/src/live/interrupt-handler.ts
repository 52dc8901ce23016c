import type { CliContext } from '../cli-context.js';
import { askCancelOrDetach } from './ask-cancel-or-detach.js';
import type { TaskRenderer } from './task-renderer.js';

export interface InterruptOptions {
  /** Named in the question, e.g. `task 42`. */
  what: string;
  /** Stops drawing while the question is asked. */
  renderer: Pick<TaskRenderer, 'pause' | 'resume'>;
  cancel: () => Promise<unknown>;
  /** Whether Ctrl-C may offer to cancel (we started it); else it detaches. */
  mayCancel: boolean;
}

/**
 * What Ctrl-C does while following something: at a terminal, ask whether to cancel it or
 * detach; elsewhere (a pipe, a script, `--json`), detach at once. The returned signal aborts
 * on detaching; call `dispose` once the follow ended.
 */
export function onInterrupt(
  context: CliContext,
  { what, renderer, cancel, mayCancel }: InterruptOptions,
): { detached: AbortSignal; dispose: () => void } {
  const detach = new AbortController();
  let asking = false;
  const ask = async () => {
    renderer.pause();
    const { stdin, stderr } = context.deps.io;
    const choice = await askCancelOrDetach(stdin, stderr, what);
    if (choice === 'detach') {
      detach.abort();
      return;
    }
    context.out.note(`cancelling ${what} ...`);
    try {
      await cancel();
    } catch (error) {
      // Most often it ended meanwhile (409): its final event is on the way.
      context.out.note(`could not cancel ${what}: ${(error as Error).message}`);
    }
    renderer.resume();
  };
  const dispose = context.deps.onInterrupt(() => {
    if (!context.canPrompt || !mayCancel) {
      detach.abort();
      return;
    }
    if (asking) return;
    asking = true;
    ask()
      .catch((error: unknown) => {
        context.out.note(`${(error as Error).message}`);
        detach.abort();
      })
      .finally(() => (asking = false));
  });
  return { detached: detach.signal, dispose };
}
