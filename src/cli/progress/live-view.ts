/**
 * The driver of the live view: redraws `renderProgress` in place on a
 * terminal. On anything that is not a terminal it draws nothing and writes no
 * escape code.
 *
 * @module
 */
import type { OutStream } from "../io.js";
import { renderProgress, type ProgressSnapshot } from "./render.js";

const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
/** Back to the start of the line `n` lines up, then clear to the end of the screen. */
const up = (n: number): string => `\r\x1b[${n}A\x1b[J`;

/**
 * Redraws a run's progress in place while it runs.
 *
 * @example
 * ```ts
 * const view = new LiveView(process.stdout, () => snapshotOf(run));
 * view.start();
 * await run.result.finally(() => view.finish(snapshotOf(run)));
 * ```
 */
export class LiveView {
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawn = 0;
  private paused = false;
  /** Whether the view draws at all: only on a terminal. */
  readonly enabled: boolean;

  constructor(
    private readonly out: OutStream,
    private readonly snapshot: () => ProgressSnapshot,
    private readonly intervalMs = 100,
  ) {
    this.enabled = out.isTTY === true;
  }

  /** Starts redrawing. */
  start(): void {
    if (!this.enabled || this.timer) return;
    this.out.write(HIDE_CURSOR);
    this.draw();
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Stops redrawing and leaves the last frame where it is (a prompt is about to
   * be written below it); `resume` starts a new frame under whatever came since.
   */
  pause(): void {
    if (!this.enabled || this.paused) return;
    this.paused = true;
    this.drawn = 0;
    this.out.write(SHOW_CURSOR);
  }

  /** Redraws again after `pause`. */
  resume(): void {
    if (!this.enabled || !this.paused) return;
    this.paused = false;
    this.out.write(HIDE_CURSOR);
    this.draw();
  }

  /** Stops for good: erases the frame and, given a final snapshot, writes its lines once. */
  finish(final?: ProgressSnapshot): void {
    if (!this.enabled) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const lines = final ? renderProgress(final, { width: this.width() }) : [];
    this.out.write(`${this.drawn > 0 ? up(this.drawn) : ""}${lines.map((l) => `${l}\n`).join("")}${SHOW_CURSOR}`);
    this.drawn = 0;
  }

  private width(): number {
    const columns = this.out.columns;
    return columns !== undefined && columns > 0 ? columns : 80;
  }

  private draw(): void {
    if (this.paused) return;
    const lines = renderProgress(this.snapshot(), { width: this.width() });
    this.out.write(`${this.drawn > 0 ? up(this.drawn) : ""}${lines.map((l) => `${l}\n`).join("")}`);
    this.drawn = lines.length;
  }
}
