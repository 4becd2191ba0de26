/**
 * Gate signals of a local run: values given up front, answers given while the
 * run waits (`execution.signal/approve/reject`), and, when run interactively,
 * a prompt on the terminal.
 *
 * @module
 */
import { createInterface } from "node:readline/promises";
import type { Readable, Writable } from "node:stream";
import type { LiteralType } from "../idl/core.js";
import { GateError } from "../errors.js";
import { describeType } from "../types/describe.js";
import { validatorFor } from "../types/validate.js";
import { keepShape } from "../shapes.js";
import type { PendingSignal } from "../sdk/runner-port.js";

interface Waiter {
  readonly pending: PendingSignal;
  readonly literalType: LiteralType;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Withdraws the question on the terminal, once the gate stops waiting some other way. */
  stopPrompt?: () => void;
}

/**
 * Where a board prompts: the process's terminal unless told otherwise.
 *
 * @example
 * ```ts
 * const terminal: Terminal = { input: process.stdin, output: process.stdout };
 * ```
 */
export interface Terminal {
  readonly input: Readable;
  readonly output: Writable;
}

const APPROVAL: LiteralType = { simple: "BOOLEAN" };

/** Parses a value typed on the terminal by its type: numbers, booleans, dates, or JSON. */
export function parseTyped(text: string, type: LiteralType): unknown {
  const s = text.trim();
  switch (type.simple) {
    case "INTEGER":
    case "FLOAT":
    case "DURATION":
      return s === "" ? Number.NaN : Number(s);
    case "BOOLEAN":
      return /^(y|yes|true|1)$/i.test(s) ? true : /^(n|no|false|0)$/i.test(s) ? false : s;
    case "STRING":
      return text;
    case "DATETIME":
      return new Date(s);
    default:
      if (type.enumType) return s;
      try {
        return JSON.parse(s) as unknown;
      } catch {
        return s;
      }
  }
}

/**
 * The gate signals of one run.
 *
 * @example
 * ```ts
 * const board = new GateBoard({ publish: true }, false, signal);
 * await board.wait({ name: "publish", kind: "approve", type: "bool", path: "n1" }, { simple: "BOOLEAN" });
 * ```
 */
export class GateBoard {
  private readonly given = new Map<string, unknown>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly reasons = new Map<string, string>();
  private promptQueue: Promise<void> = Promise.resolve();

  constructor(
    given: Readonly<Record<string, unknown>>,
    private readonly prompt: boolean,
    private readonly signal: AbortSignal,
    /** The process's terminal when not given: read when a question is asked (reading `process.stdin` makes the stream, milliseconds on a program's first run). */
    private readonly terminal?: Terminal,
  ) {
    for (const [k, v] of Object.entries(given)) this.given.set(k, v);
  }

  /** The gates waiting now. */
  pending(): PendingSignal[] {
    return [...this.waiters.values()].map((w) => w.pending);
  }

  /** Waits for the value of a signal; checks it against `type`. */
  wait(pending: PendingSignal, type: LiteralType): Promise<unknown> {
    if (this.waiters.has(pending.name)) return Promise.reject(new GateError(`two gates wait for signal ${JSON.stringify(pending.name)} at once`, pending.name));
    return new Promise<unknown>((resolve, reject) => {
      const waiter: Waiter = { pending, literalType: type, resolve, reject };
      this.waiters.set(pending.name, waiter);
      if (this.given.has(pending.name)) {
        const value = this.given.get(pending.name);
        this.given.delete(pending.name);
        this.deliver(pending.name, value);
      } else if (this.prompt) this.ask(waiter);
    });
  }

  /** Stops waiting for `name` (timeout, abort). */
  cancel(name: string, error: unknown): void {
    const w = this.waiters.get(name);
    if (!w) return;
    this.waiters.delete(name);
    w.stopPrompt?.();
    w.reject(error);
  }

  /** Gives the value of `name`, now or for when its gate starts waiting. */
  deliver(name: string, value: unknown): void {
    const w = this.waiters.get(name);
    if (!w) {
      this.given.set(name, value);
      return;
    }
    const problem = validatorFor(w.literalType)(value);
    if (problem !== undefined) {
      throw new GateError(`signal ${JSON.stringify(name)} expects ${describeType(w.literalType)}: ${problem}`, name);
    }
    this.waiters.delete(name);
    w.stopPrompt?.();
    w.resolve(value);
  }

  /** Answers an approval gate. */
  answer(name: string, approved: boolean, reason?: string): void {
    const w = this.waiters.get(name);
    if (w && w.pending.kind !== "approve") throw new GateError(`gate ${JSON.stringify(name)} waits for a value, not an approval; use signal(name, value)`, name);
    if (!approved) this.reasons.set(name, reason ?? "rejected");
    this.deliver(name, approved);
  }

  /** Why an approval was rejected. */
  rejectionReason(name: string): string {
    return this.reasons.get(name) ?? "rejected";
  }

  /** The literal type approvals are checked with. */
  static readonly approvalType: LiteralType = APPROVAL;

  /**
   * Asks on the terminal, one gate at a time. The question is withdrawn when
   * the gate is answered some other way (API, timeout) or the run ends, so the
   * next gate's question comes at once and gets the next line typed.
   */
  private ask(w: Waiter): void {
    this.promptQueue = this.promptQueue.then(async () => {
      const { name, kind } = w.pending;
      if (!this.waiters.has(name) || this.signal.aborted) return;
      const { input, output } = this.terminal ?? { input: process.stdin, output: process.stdout };
      const stop = new AbortController();
      const withdraw = () => stop.abort();
      w.stopPrompt = withdraw;
      this.signal.addEventListener("abort", withdraw, { once: true });
      const rl = createInterface({ input, output });
      try {
        const question = kind === "approve" ? `Approve ${JSON.stringify(name)} (${w.pending.path})? [y/n] ` : `Value for ${JSON.stringify(name)} (${w.pending.type}): `;
        for (;;) {
          const answer = await rl.question(question, { signal: stop.signal });
          if (!this.waiters.has(name)) return;
          try {
            if (kind === "approve") {
              const yes = parseTyped(answer, APPROVAL);
              if (typeof yes !== "boolean") {
                output.write("answer y or n\n");
                continue;
              }
              this.answer(name, yes, "rejected at the prompt");
            } else this.deliver(name, parseTyped(answer, w.literalType));
            return;
          } catch (e) {
            output.write(`${(e as Error).message}\n`);
          }
        }
      } catch {
        // Withdrawn (answered elsewhere, timed out, the run ended) or the input closed: end the question's line.
        if (!this.signal.aborted) output.write("\n");
      } finally {
        this.signal.removeEventListener("abort", withdraw);
        rl.close();
      }
    });
  }
}

// A run's board is garbage once the run ends: one sample keeps its shape, and the code using it, across major GCs (shapes.ts).
keepShape(new GateBoard({}, false, new AbortController().signal, { input: undefined as never, output: undefined as never }));
