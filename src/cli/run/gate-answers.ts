/**
 * Gates of a durable run (on the engine), seen from the command that follows
 * it. Such a gate can be answered from anywhere (`aloft signal`, the API), so
 * the run waits for it: the command says once how to answer each gate and, on
 * a terminal, asks for the answer itself.
 *
 * @module
 */
import { createInterface } from "node:readline/promises";
import type { LiteralType } from "../../idl/core.js";
import type { PendingSignal } from "../../sdk/runner-port.js";
import { describeType } from "../../types/describe.js";
import type { CliContext } from "../context.js";
import { parseValue } from "../inputs/parse-value.js";
import type { LiveView } from "../progress/live-view.js";

/**
 * How to answer a gate from another terminal.
 *
 * @example
 * ```ts
 * answerCommand("a1b2", { name: "publish", kind: "approve", type: "bool", path: "n2" }); // "aloft signal a1b2 publish true"
 * ```
 */
export function answerCommand(runId: string, gate: PendingSignal, dbFlag = ""): string {
  const value = gate.kind === "approve" ? "true" : "<value>";
  return `aloft signal ${runId} ${gate.name} ${value}${dbFlag}`;
}

/**
 * The line that says a run waits at a gate and how to answer it.
 *
 * @example
 * ```ts
 * waitingLine("a1b2", { name: "factor", kind: "signal", type: "int", path: "n0" });
 * // 'run a1b2 waits at gate "factor" (node n0) for a value of type int; answer it with: aloft signal a1b2 factor <value>'
 * ```
 */
export function waitingLine(runId: string, gate: PendingSignal, dbFlag = ""): string {
  const what = gate.kind === "approve" ? "an approval" : `a value of type ${gate.type}`;
  const also = gate.kind === "approve" ? ` (or false to reject; or aloft approve|reject ${runId} ${gate.name}${dbFlag})` : "";
  return `run ${runId} waits at gate ${JSON.stringify(gate.name)} (node ${gate.path}) for ${what}; answer it with: ${answerCommand(runId, gate, dbFlag)}${also}`;
}

/** What `GateAnswers` needs. */
export interface GateAnswersOptions {
  readonly ctx: CliContext;
  readonly runId: string;
  /** Gives a gate its answer. */
  readonly answer: (name: string, kind: PendingSignal["kind"], value: unknown) => Promise<void>;
  /** The types signal gates wait for, by name. */
  readonly gateTypes: ReadonlyMap<string, LiteralType>;
  readonly view: LiveView;
  /** ` --db path` when the database is not the default, for the commands shown. */
  readonly dbFlag: string;
  /** Called on Ctrl-C at a prompt (the terminal then sends no SIGINT). */
  readonly onInterrupt: () => void;
  /** The gates given their values up front (`--signal`): they wait at most a moment, so they are neither announced nor asked for. */
  readonly given?: ReadonlySet<string>;
}

/**
 * Announces each waiting gate once (on stderr) and, on a terminal, asks for
 * its answer; a question is withdrawn when the gate is answered elsewhere.
 *
 * @example
 * ```ts
 * const gates = new GateAnswers({ ctx, runId: run.id, answer: run.answer, gateTypes, view, dbFlag: "", onInterrupt });
 * setInterval(() => gates.update(run.waitingFor()), 50);
 * ```
 */
export class GateAnswers {
  private readonly announced = new Set<string>();
  private readonly answered = new Set<string>();
  private asking: { readonly name: string; readonly controller: AbortController } | undefined;

  constructor(private readonly o: GateAnswersOptions) {}

  /** Takes the gates waiting now. */
  update(waiting: readonly PendingSignal[]): void {
    const names = new Set(waiting.map((g) => g.name));
    for (const name of this.answered) if (!names.has(name)) this.answered.delete(name);
    if (this.asking && !names.has(this.asking.name)) this.withdraw();
    for (const gate of waiting) {
      if (this.announced.has(gate.name) || this.o.given?.has(gate.name)) continue;
      this.announced.add(gate.name);
      if (!this.o.ctx.io.interactive) this.o.ctx.io.stderr.write(`${waitingLine(this.o.runId, gate, this.o.dbFlag)}\n`);
    }
    if (!this.o.ctx.io.interactive || this.asking) return;
    const next = waiting.find((g) => !this.answered.has(g.name) && !this.o.given?.has(g.name));
    if (next) this.ask(next);
    else this.o.view.resume();
  }

  /** Withdraws an open question. */
  close(): void {
    this.withdraw();
  }

  private withdraw(): void {
    this.asking?.controller.abort();
    this.asking = undefined;
  }

  private ask(gate: PendingSignal): void {
    const controller = new AbortController();
    this.asking = { name: gate.name, controller };
    this.o.view.pause();
    const type: LiteralType = gate.kind === "approve" ? { simple: "BOOLEAN" } : (this.o.gateTypes.get(gate.name) ?? { simple: "STRING" });
    const question =
      gate.kind === "approve"
        ? `Approve ${JSON.stringify(gate.name)} (node ${gate.path})? [y/n] `
        : `Value for ${JSON.stringify(gate.name)} (${describeType(type)}, node ${gate.path}): `;
    void this.questionLoop(gate, type, question, controller).finally(() => {
      if (this.asking?.controller === controller) this.asking = undefined;
    });
  }

  private async questionLoop(gate: PendingSignal, type: LiteralType, question: string, controller: AbortController): Promise<void> {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    rl.on("SIGINT", () => {
      controller.abort();
      this.o.onInterrupt();
    });
    try {
      for (;;) {
        const text = await rl.question(question, { signal: controller.signal });
        let value: unknown;
        if (gate.kind === "approve") value = /^y(es)?$/i.test(text.trim()) ? true : /^no?$/i.test(text.trim()) ? false : undefined;
        else {
          const parsed = parseValue(text, type);
          if (!parsed.ok) {
            this.o.ctx.io.stdout.write(`${parsed.problem}\n`);
            continue;
          }
          value = parsed.value;
        }
        if (value === undefined) continue;
        try {
          await this.o.answer(gate.name, gate.kind, value);
          this.answered.add(gate.name);
          return;
        } catch (e) {
          this.o.ctx.io.stdout.write(`${e instanceof Error ? e.message : String(e)}\n`);
        }
      }
    } catch {
      // withdrawn (answered elsewhere, the run ended) or stdin closed: the gate waits for another answer
    } finally {
      rl.close();
    }
  }
}
