// "Latest wins" request pump: at most one request in flight; while it runs, newer requests replace
// each other, and only the newest is sent next. Results of superseded requests are still delivered
// to `isCurrent` checks by the caller (so stale answers can be dropped).

export class LatestPump<T> {
  private pending: T | null = null;
  private running = false;
  private stopped = false;

  constructor(private readonly run: (req: T) => Promise<void>) {}

  push(req: T): void {
    this.pending = req;
    if (!this.running) void this.loop();
  }

  get busy(): boolean {
    return this.running;
  }

  /** Resolves once nothing is running or queued. */
  async idle(): Promise<void> {
    while (this.running || this.pending !== null) await new Promise((r) => setTimeout(r, 30));
  }

  stop(): void {
    this.stopped = true;
    this.pending = null;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending !== null && !this.stopped) {
        const req = this.pending;
        this.pending = null;
        await this.run(req);
      }
    } finally {
      this.running = false;
    }
  }
}

/** Calls `fn` once `ms` after the last call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): ((...args: A) => void) & { cancel(): void } {
  let t: ReturnType<typeof setTimeout> | undefined;
  const d = (...args: A): void => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
  d.cancel = (): void => clearTimeout(t);
  return d;
}
