/**
 * The task slots of a local run: at most `maxParallelism` task attempts of
 * the whole run at once (`rules/parallelism.ts`), the rest wait in order.
 *
 * @module
 */

/**
 * Counts the task attempts running in a run and queues those waiting for one.
 *
 * @example
 * ```ts
 * const slots = new TaskSlots(25);
 * if (slots.take()) try { run(); } finally { slots.release(); } else await slots.wait();
 * ```
 */
export class TaskSlots {
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  private head = 0;

  constructor(readonly max: number) {}

  /** Takes a slot if one is free. */
  take(): boolean {
    if (this.running >= this.max) return false;
    this.running++;
    return true;
  }

  /** Gives a slot back, waking the first waiter. */
  release(): void {
    this.running--;
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head]!;
      this.waiters[this.head++] = undefined as never;
      if (this.head === this.waiters.length) {
        this.waiters.length = 0;
        this.head = 0;
      }
      next();
    }
  }

  /** Resolves once a slot may be free (then `take` again). */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
