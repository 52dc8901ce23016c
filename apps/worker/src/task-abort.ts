/**
 * One attempt's abort: what a cancel, the end of a drain or the time limit stops, and what
 * the agent's signal reports. Cheaper than a bare AbortController per task: the signal is
 * made only when the agent asks for it (many short agents never do), and aborting settles
 * the attempt at once even when the agent ignores its signal.
 */
export class TaskAbort {
  private controller: AbortController | undefined;
  private abortedWith: Error | undefined;
  private rejectRun: ((reason: Error) => void) | undefined;

  /** The agent's signal; aborted with the same Error as the attempt. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  /** Why the attempt was aborted; undefined while it was not. */
  get reason(): Error | undefined {
    return this.abortedWith;
  }

  /** The first call wins; later ones change nothing. */
  abort(reason: Error): void {
    if (this.abortedWith) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
    this.rejectRun?.(reason);
  }

  /** Settles as `run` does, or rejects with the abort reason as soon as there is one. */
  race<T>(run: Promise<T>): Promise<T> {
    if (this.abortedWith) return Promise.reject(this.abortedWith);
    return new Promise<T>((resolve, reject) => {
      this.rejectRun = reject;
      run.then(resolve, reject);
    });
  }
}
