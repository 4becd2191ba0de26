/**
 * The task slots of a local run: at most `maxParallelism` task attempts of
 * the whole run at once (`rules/parallelism.ts`), the rest wait in order.
 *
 * @module
 */
import { keepShape } from "../shapes.js";

/**
 * Counts the task attempts running in a run and queues those waiting for one.
 *
 * @example
 * ```ts
 * const slots = new TaskSlots(25);
 * if (!slots.free()) await slots.wait();
 * const pending = start(); // an attempt that runs on after it returns holds its slot:
 * slots.hold();
 * pending.finally(() => slots.release());
 * ```
 */
export class TaskSlots {
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  private head = 0;

  constructor(readonly max: number) {}

  /** Whether a slot is free now. */
  free(): boolean {
    return this.running < this.max;
  }

  /** Holds a slot for an attempt that goes on asynchronously (after `free` said one was). */
  hold(): void {
    this.running++;
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

// A run's slots are garbage once the run ends: one sample keeps their shape across major GCs (shapes.ts).
keepShape(new TaskSlots(1));
