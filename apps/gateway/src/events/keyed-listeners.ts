/**
 * In-process fan-out of changes to listeners keyed by id (a task's, a workflow's). After
 * `closeAll` every listener has had the closing change and new ones get it at once, so a
 * request arriving during shutdown is answered, never held.
 */
export class KeyedListeners<T> {
  private readonly listeners = new Map<string, Set<(change: T) => void>>();
  private closing = false;

  constructor(private readonly closingChange: T) {}

  /** Whether shutdown began. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Calls `listener` with every change of `key` until the returned function is called. */
  subscribe(key: string, listener: (change: T) => void): () => void {
    if (this.closing) {
      queueMicrotask(() => listener(this.closingChange));
      return () => {};
    }
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(key);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(key);
    };
  }

  /** The keys listened to now. */
  keys(): string[] {
    return [...this.listeners.keys()];
  }

  emit(key: string, change: T): void {
    const set = this.listeners.get(key);
    if (set) for (const listener of [...set]) listener(change);
  }

  closeAll(): void {
    this.closing = true;
    for (const set of [...this.listeners.values()]) {
      for (const listener of [...set]) listener(this.closingChange);
    }
    this.listeners.clear();
  }
}
