/**
 * Aloft's pipeline format: workflows written by hand in YAML or JSON, built
 * through the imperative builder with TypeScript tasks bound by name. The
 * JSON Schema is `pipelineSchema()` (`aloft schema pipeline`); the README
 * shows the format. Every error names the file, line and column.
 *
 * @module
 */
import ms from "ms";
import { isMap, isScalar, isSeq, type Document, type Node as YamlNode } from "yaml";
import { Workflow } from "../../sdk/workflow-builder.js";
import { LaunchPlan } from "../../sdk/launch-plan.js";
import { mapTask } from "../../sdk/map-task.js";
import { Handle } from "../../sdk/handle.js";
import type { Condition } from "../../sdk/condition.js";
import type { NodeRef } from "../../sdk/node-ref.js";
import type { OutputsSpec } from "../../sdk/interface.js";
import { definitionOf, type EntityLike } from "../../sdk/entity.js";
import type { LiteralType } from "../../idl/core.js";
import { t } from "../../types/t.js";
import type { AnyType } from "../../types/type.js";
import { SpecInvalidError, asSpecError, describePosition, type TextPosition } from "../errors.js";
import { compare } from "../compare.js";
import { requireTasksAt } from "../bind-tasks.js";
import { parseTypeExpression, TypeSyntaxError } from "./type-syntax.js";
import { ConditionSyntaxError, conditionRefs, parseCondition, type ConditionOperand, type ConditionTree } from "./condition-syntax.js";
import type { Source} from "./yaml-tree.js";
import { plainValue, type Located } from "./yaml-tree.js";

/** The version of the format this reader knows. */
export const PIPELINE_VERSION = 1;

const NODE_FIELDS = ["id", "task", "workflow", "launchPlan", "map", "inputs", "after", "retries", "timeout", "concurrency", "minSuccessRatio", "fixed", "if", "then", "elif", "else", "name"] as const;
const TARGETS = ["task", "workflow", "launchPlan", "map"] as const;

/** What a pipeline file builds. */
export interface PipelineEntities {
  readonly workflows: Map<string, Workflow>;
  readonly launchPlans: Map<string, EntityLike>;
  /** Names in the order the file gives them: workflows, then launch plans. */
  readonly names: string[];
}

/** True when a parsed document is a pipeline file (it has `pipeline: 1`). */
export function isPipelineDocument(doc: Document): boolean {
  return isMap(doc.contents) && doc.contents.items.some((p) => isScalar(p.key) && p.key.value === "pipeline");
}

type Target = { kind: "task" | "map"; name: string; at: TextPosition } | { kind: "workflow" | "launchPlan"; name: string; at: TextPosition };

interface NodeDef {
  readonly id: string;
  readonly at: TextPosition;
  readonly fields: Map<string, Located & { keyAt: TextPosition }>;
}

interface WorkflowDef {
  readonly name: string;
  readonly at: TextPosition;
  readonly fields: Map<string, Located & { keyAt: TextPosition }>;
}

function rethrow(at: TextPosition, e: unknown): never {
  return asSpecError(e, at);
}

/** Builds the entities of a pipeline document. */
export class PipelineBuilder {
  private readonly src: Source;
  private readonly workflowDefs = new Map<string, WorkflowDef>();
  private readonly planDefs = new Map<string, WorkflowDef>();
  private readonly built = new Map<string, Workflow>();
  private readonly plans = new Map<string, EntityLike>();
  private readonly building: string[] = [];

  constructor(
    private readonly doc: Document,
    src: Source,
    private readonly tasks: ReadonlyMap<string, EntityLike>,
  ) {
    this.src = src;
  }

  /** Reads the file, checks every task exists, and builds every workflow and launch plan. */
  build(): PipelineEntities {
    const root: Located = { node: this.doc.contents as YamlNode | null, at: this.src.at(this.doc.contents as YamlNode | null) };
    const top = this.src.fields(root, "a pipeline file", ["pipeline", "$schema", "workflows", "launchPlans", "description"]);
    const version = top.get("pipeline")!;
    if (!isScalar(version.node) || version.node.value !== PIPELINE_VERSION) throw new SpecInvalidError(`pipeline: must be ${PIPELINE_VERSION} (the version of the format)`, version.at);
    const wfs = top.get("workflows");
    if (!wfs) throw new SpecInvalidError("a pipeline file needs workflows: { <name>: { inputs, nodes, outputs } }", root.at);
    for (const e of this.src.entries(wfs, "workflows")) {
      if (this.workflowDefs.has(e.key)) throw new SpecInvalidError(`workflow ${JSON.stringify(e.key)} is defined twice`, e.keyAt);
      this.workflowDefs.set(e.key, { name: e.key, at: e.keyAt, fields: this.src.fields(e.value, `workflow ${JSON.stringify(e.key)}`, ["inputs", "nodes", "outputs", "onFailure", "failurePolicy", "description"]) });
    }
    const lps = top.get("launchPlans");
    if (lps) {
      for (const e of this.src.entries(lps, "launchPlans")) {
        this.planDefs.set(e.key, { name: e.key, at: e.keyAt, fields: this.src.fields(e.value, `launch plan ${JSON.stringify(e.key)}`, ["workflow", "defaults", "fixed", "maxParallelism", "description"]) });
      }
    }
    this.checkTasks();
    for (const name of this.workflowDefs.keys()) this.workflow(name, undefined);
    for (const name of this.planDefs.keys()) this.launchPlan(name, undefined);
    return { workflows: this.built, launchPlans: this.plans, names: [...this.workflowDefs.keys(), ...this.planDefs.keys()] };
  }

  /** Every task the file names must be exported by a --tasks module: one error lists all, with where. */
  private checkTasks(): void {
    const uses: { name: string; at: TextPosition }[] = [];
    const visitTarget = (fields: Map<string, Located & { keyAt: TextPosition }>): void => {
      for (const k of ["task", "map"] as const) {
        const v = fields.get(k);
        if (v && isScalar(v.node) && typeof v.node.value === "string") uses.push({ name: v.node.value, at: v.at });
      }
    };
    for (const wf of this.workflowDefs.values()) {
      const nodes = wf.fields.get("nodes");
      for (const n of nodes && isSeq(nodes.node) ? this.src.items(nodes, "nodes") : []) {
        if (!isMap(n.node)) continue;
        const fields = this.src.fields(n, "a node", NODE_FIELDS);
        visitTarget(fields);
        for (const k of ["then", "else"]) {
          const b = fields.get(k);
          if (b && isMap(b.node)) visitTarget(this.src.fields(b, k, [...TARGETS, "inputs", "fail"]));
        }
        const elif = fields.get("elif");
        for (const e of elif && isSeq(elif.node) ? this.src.items(elif, "elif") : []) {
          const then = isMap(e.node) ? this.src.fields(e, "an elif", ["if", "then"]).get("then") : undefined;
          if (then && isMap(then.node)) visitTarget(this.src.fields(then, "then", [...TARGETS, "inputs"]));
        }
      }
      const onFailure = wf.fields.get("onFailure");
      if (onFailure && isMap(onFailure.node)) visitTarget(this.src.fields(onFailure, "onFailure", ["task", "workflow"]));
    }
    requireTasksAt(uses, this.tasks);
  }

  private workflow(name: string, usedAt: TextPosition | undefined): Workflow {
    const done = this.built.get(name);
    if (done) return done;
    const def = this.workflowDefs.get(name);
    if (!def) throw new SpecInvalidError(`no workflow ${JSON.stringify(name)} in this file (it has ${[...this.workflowDefs.keys()].map((n) => JSON.stringify(n)).join(", ") || "none"})`, usedAt ?? this.src.at(null));
    if (this.building.includes(name)) throw new SpecInvalidError(`workflow ${JSON.stringify(name)} runs itself (${[...this.building, name].join(" -> ")})`, usedAt ?? def.at);
    this.building.push(name);
    try {
      const wf = this.buildWorkflow(def);
      this.built.set(name, wf);
      return wf;
    } finally {
      this.building.pop();
    }
  }

  private launchPlan(name: string, usedAt: TextPosition | undefined): EntityLike {
    const done = this.plans.get(name);
    if (done) return done;
    const def = this.planDefs.get(name);
    if (!def) throw new SpecInvalidError(`no launch plan ${JSON.stringify(name)} in this file (it has ${[...this.planDefs.keys()].map((n) => JSON.stringify(n)).join(", ") || "none"})`, usedAt ?? this.src.at(null));
    const wfField = def.fields.get("workflow");
    if (!wfField) throw new SpecInvalidError(`launch plan ${JSON.stringify(name)} needs workflow: <name>`, def.at);
    const wf = this.workflow(this.src.string(wfField, "workflow"), wfField.at);
    const inputs = definitionOf(wf)!.interface.inputs;
    const values = (key: "defaults" | "fixed"): Record<string, unknown> => {
      const f = def.fields.get(key);
      const out: Record<string, unknown> = {};
      if (!f) return out;
      for (const e of this.src.entries(f, key)) {
        const type = inputs[e.key];
        if (!type) throw new SpecInvalidError(`launch plan ${JSON.stringify(name)}: ${key} names ${JSON.stringify(e.key)}, which is not an input of workflow ${JSON.stringify(wf.name)} (inputs: ${Object.keys(inputs).join(", ") || "none"})`, e.keyAt);
        out[e.key] = revive(plainValue(e.value.node), type.literalType);
      }
      return out;
    };
    const mp = def.fields.get("maxParallelism");
    try {
      const lp = LaunchPlan.create(name, wf, { defaultInputs: values("defaults"), fixedInputs: values("fixed"), ...(mp ? { maxParallelism: this.src.number(mp, "maxParallelism") } : {}) }) as unknown as EntityLike;
      this.plans.set(name, lp);
      return lp;
    } catch (e) {
      return rethrow(def.at, e);
    }
  }

  private type(l: Located, what: string): AnyType {
    if (isMap(l.node)) {
      const fields: Record<string, AnyType> = {};
      for (const e of this.src.entries(l, what)) fields[e.key] = this.type(e.value, `field ${JSON.stringify(e.key)} of ${what}`);
      try {
        return t.struct(fields);
      } catch (e) {
        return rethrow(l.at, e);
      }
    }
    const text = this.src.string(l, what);
    try {
      return parseTypeExpression(text);
    } catch (e) {
      if (e instanceof TypeSyntaxError) throw new SpecInvalidError(`${what}: ${e.message}`, this.src.at(l.node as YamlNode, quoteOffset(l.node) + e.offset));
      return rethrow(l.at, e);
    }
  }

  private buildWorkflow(def: WorkflowDef): Workflow {
    const policy = def.fields.get("failurePolicy");
    const policyName = policy ? this.src.string(policy, "failurePolicy") : undefined;
    if (policyName !== undefined && policyName !== "failImmediately" && policyName !== "failAfterExecutableNodesComplete") {
      throw new SpecInvalidError(`failurePolicy must be failImmediately or failAfterExecutableNodesComplete, got ${JSON.stringify(policyName)}`, policy!.at);
    }
    let wf: Workflow;
    try {
      wf = new Workflow({ name: def.name, ...(policyName ? { failurePolicy: policyName } : {}) });
    } catch (e) {
      return rethrow(def.at, e);
    }
    const inputs = def.fields.get("inputs");
    for (const e of inputs ? this.src.entries(inputs, "inputs") : []) {
      try {
        wf.addWorkflowInput(e.key, this.type(e.value, `input ${JSON.stringify(e.key)}`));
      } catch (err) {
        rethrow(e.keyAt, err);
      }
    }
    const nodesField = def.fields.get("nodes");
    if (!nodesField) throw new SpecInvalidError(`workflow ${JSON.stringify(def.name)} needs nodes: [ { id, task, inputs }, ... ]`, def.at);
    const nodes: NodeDef[] = [];
    for (const n of this.src.items(nodesField, "nodes")) {
      const fields = this.src.fields(n, "a node", NODE_FIELDS);
      const idField = fields.get("id");
      if (!idField) throw new SpecInvalidError("a node needs an id", n.at);
      const id = this.src.string(idField, "id");
      if (id === "inputs") throw new SpecInvalidError('a node cannot be called "inputs": $inputs.<name> names the workflow\'s inputs', idField.at);
      const dup = nodes.find((x) => x.id === id);
      if (dup) throw new SpecInvalidError(`two nodes have id ${JSON.stringify(id)} (the first at ${describePosition(dup.at)})`, idField.at);
      nodes.push({ id, at: idField.at, fields });
    }
    const scope = new Map<string, { outputs: Readonly<Record<string, Handle<unknown>>>; like: NodeRef<OutputsSpec> | Handle<unknown> }>();
    for (const node of this.order(def.name, nodes)) {
      const ref = this.addNode(wf, scope, node);
      scope.set(node.id, { outputs: ref.outputs as Readonly<Record<string, Handle<unknown>>>, like: ref });
    }
    for (const node of nodes) {
      const after = node.fields.get("after");
      for (const a of after ? this.src.items(after, "after") : []) {
        const up = scope.get(this.src.string(a, "after"))!;
        try {
          up.like.runsBefore(scope.get(node.id)!.like as NodeRef<OutputsSpec>);
        } catch (e) {
          rethrow(a.at, e);
        }
      }
    }
    const outputs = def.fields.get("outputs");
    for (const e of outputs ? this.src.entries(outputs, "outputs") : []) {
      const value = this.binding(wf, scope, e.value, undefined);
      try {
        if (value instanceof Handle) wf.addWorkflowOutput(e.key, value);
        else throw new SpecInvalidError(`output ${JSON.stringify(e.key)} must be a reference like $node.o0`, e.value.at);
      } catch (err) {
        rethrow(e.value.at, err);
      }
    }
    const onFailure = def.fields.get("onFailure");
    if (onFailure) {
      const f = this.src.fields(onFailure, "onFailure", ["task", "workflow"]);
      const target = f.get("task") ? this.tasks.get(this.src.string(f.get("task")!, "task")) : f.get("workflow") ? this.workflow(this.src.string(f.get("workflow")!, "workflow"), f.get("workflow")!.at) : undefined;
      if (!target) throw new SpecInvalidError("onFailure needs task: <name> or workflow: <name>", onFailure.at);
      try {
        wf.addOnFailureHandler(target);
      } catch (e) {
        rethrow(onFailure.at, e);
      }
    }
    return wf;
  }

  /** The nodes, each after those it references or follows; a cycle or a reference to no node is an error at its position. */
  private order(wfName: string, nodes: readonly NodeDef[]): NodeDef[] {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const deps = new Map<string, { id: string; at: TextPosition }[]>();
    for (const n of nodes) {
      const refs: { id: string; at: TextPosition }[] = [];
      const visit = (l: Located | undefined): void => {
        if (!l) return;
        if (isScalar(l.node) && typeof l.node.value === "string") {
          const r = refOf(l.node.value);
          if (r && r.node !== "inputs") refs.push({ id: r.node, at: l.at });
        } else if (isSeq(l.node)) for (const i of this.src.items(l, "a list")) visit(i);
        else if (isMap(l.node)) for (const e of this.src.entries(l, "a mapping")) visit(e.value);
      };
      for (const [k, v] of n.fields) if (k !== "id" && k !== "after") visit(v);
      const conds = [n.fields.get("if"), ...(n.fields.get("elif") ? this.src.items(n.fields.get("elif")!, "elif").map((e) => (isMap(e.node) ? this.src.fields(e, "an elif", ["if", "then"]).get("if") : undefined)) : [])];
      for (const c of conds) {
        if (!c || !isScalar(c.node) || typeof c.node.value !== "string") continue;
        try {
          for (const r of conditionRefs(parseCondition(c.node.value))) {
            const node = r.split(".")[0]!;
            if (node !== "inputs") refs.push({ id: node, at: c.at });
          }
        } catch {
          // reported with its position when the node is added
        }
      }
      const after = n.fields.get("after");
      for (const a of after ? this.src.items(after, "after") : []) refs.push({ id: this.src.string(a, "after"), at: a.at });
      for (const r of refs) {
        if (!byId.has(r.id)) throw new SpecInvalidError(`node ${JSON.stringify(n.id)} of workflow ${JSON.stringify(wfName)} refers to node ${JSON.stringify(r.id)}, which does not exist (nodes: ${nodes.map((x) => x.id).join(", ")})`, r.at);
        if (r.id === n.id) throw new SpecInvalidError(`node ${JSON.stringify(n.id)} refers to itself`, r.at);
      }
      deps.set(n.id, refs);
    }
    const out: NodeDef[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (id: string, path: string[], at: TextPosition): void => {
      if (state.get(id) === "done") return;
      if (state.get(id) === "visiting") throw new SpecInvalidError(`workflow ${JSON.stringify(wfName)} has a cycle: ${[...path.slice(path.indexOf(id)), id].join(" -> ")}`, at);
      state.set(id, "visiting");
      for (const d of deps.get(id) ?? []) visit(d.id, [...path, id], d.at);
      state.set(id, "done");
      out.push(byId.get(id)!);
    };
    for (const n of nodes) visit(n.id, [], n.at);
    return out;
  }

  private target(fields: Map<string, Located & { keyAt: TextPosition }>, what: string, at: TextPosition): Target {
    const given = TARGETS.filter((k) => fields.has(k));
    if (given.length !== 1) throw new SpecInvalidError(`${what} needs exactly one of task, workflow, launchPlan or map${given.length > 1 ? ` (it has ${given.join(", ")})` : ""}`, at);
    const kind = given[0]!;
    const l = fields.get(kind)!;
    return { kind, name: this.src.string(l, kind), at: l.at };
  }

  private entity(wf: Workflow, target: Target, fields: Map<string, Located & { keyAt: TextPosition }>): EntityLike {
    switch (target.kind) {
      case "task":
        return this.tasks.get(target.name)!;
      case "workflow":
        return this.workflow(target.name, target.at);
      case "launchPlan":
        return this.launchPlan(target.name, target.at);
      case "map": {
        const c = fields.get("concurrency");
        const r = fields.get("minSuccessRatio");
        const fixed = fields.get("fixed");
        try {
          return mapTask(this.tasks.get(target.name) as never, {
            ...(c ? { concurrency: this.src.number(c, "concurrency") } : {}),
            ...(r ? { minSuccessRatio: this.src.number(r, "minSuccessRatio") } : {}),
            ...(fixed ? { fixed: this.src.items(fixed, "fixed").map((f) => this.src.string(f, "fixed")) } : {}),
          } as never) as unknown as EntityLike;
        } catch (e) {
          void wf;
          return rethrow(target.at, e);
        }
      }
    }
  }

  private bindings(wf: Workflow, scope: Map<string, { outputs: Readonly<Record<string, Handle<unknown>>> }>, entity: EntityLike, inputs: Located | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const types = definitionOf(entity)!.interface.inputs;
    for (const e of inputs ? this.src.entries(inputs, "inputs") : []) {
      if (!Object.prototype.hasOwnProperty.call(types, e.key)) {
        throw new SpecInvalidError(`${JSON.stringify(entity.name)} has no input ${JSON.stringify(e.key)} (its inputs: ${Object.keys(types).join(", ") || "none"})`, e.keyAt);
      }
      out[e.key] = this.binding(wf, scope, e.value, types[e.key]!.literalType);
    }
    return out;
  }

  /** A binding: a reference, a constant, or a list or mapping of those. */
  private binding(wf: Workflow, scope: Map<string, { outputs: Readonly<Record<string, Handle<unknown>>> }>, l: Located, type: LiteralType | undefined): unknown {
    if (isScalar(l.node) && typeof l.node.value === "string") {
      const r = refOf(l.node.value);
      if (r) return this.resolve(wf, scope, r.node, r.output, l.at);
      return revive(l.node.value.startsWith("$$") ? l.node.value.slice(1) : l.node.value, type);
    }
    if (isSeq(l.node) && hasRef(l.node)) return this.src.items(l, "a list").map((i) => this.binding(wf, scope, i, type?.collectionType));
    if (isMap(l.node) && hasRef(l.node)) {
      const out: Record<string, unknown> = {};
      for (const e of this.src.entries(l, "a mapping")) out[e.key] = this.binding(wf, scope, e.value, type?.mapValueType);
      return out;
    }
    return revive(plainValue(l.node), type);
  }

  private resolve(wf: Workflow, scope: Map<string, { outputs: Readonly<Record<string, Handle<unknown>>> }>, node: string, output: string | undefined, at: TextPosition): Handle<unknown> {
    if (node === "inputs") {
      const h = output !== undefined && Object.prototype.hasOwnProperty.call(wf.inputs, output) ? wf.inputs[output] : undefined;
      if (!h) throw new SpecInvalidError(`$inputs.${output ?? ""}: workflow ${JSON.stringify(wf.name)} has no input ${JSON.stringify(output ?? "")} (inputs: ${Object.keys(wf.inputs).join(", ") || "none"})`, at);
      return h;
    }
    const outs = scope.get(node)?.outputs;
    if (!outs) throw new SpecInvalidError(`$${node}: no node ${JSON.stringify(node)} in workflow ${JSON.stringify(wf.name)}`, at);
    const names = Object.keys(outs);
    const name = output ?? (names.length === 1 ? names[0]! : undefined);
    if (name === undefined) throw new SpecInvalidError(`$${node}: node ${JSON.stringify(node)} has ${names.length === 0 ? "no outputs" : `outputs ${names.join(", ")}; name one: $${node}.${names[0]}`}`, at);
    const h = Object.prototype.hasOwnProperty.call(outs, name) ? outs[name] : undefined;
    if (!h) throw new SpecInvalidError(`$${node}.${name}: node ${JSON.stringify(node)} has no output ${JSON.stringify(name)} (outputs: ${names.join(", ") || "none"})`, at);
    return h;
  }

  private overrides(fields: Map<string, Located & { keyAt: TextPosition }>): { retries?: number; timeout?: string | number } {
    const r = fields.get("retries");
    const to = fields.get("timeout");
    return {
      ...(r ? { retries: this.src.number(r, "retries") } : {}),
      ...(to ? { timeout: isScalar(to.node) && typeof to.node.value === "number" ? to.node.value : this.src.string(to, "timeout") } : {}),
    };
  }

  private addNode(wf: Workflow, scope: Map<string, { outputs: Readonly<Record<string, Handle<unknown>>>; like: NodeRef<OutputsSpec> | Handle<unknown> }>, node: NodeDef): NodeRef<OutputsSpec> {
    if (node.fields.has("if")) return this.addConditional(wf, scope, node);
    for (const k of ["then", "elif", "else"]) if (node.fields.has(k)) throw new SpecInvalidError(`${k} belongs to a conditional node, which starts with if: "<condition>"`, node.fields.get(k)!.keyAt);
    const target = this.target(node.fields, `node ${JSON.stringify(node.id)}`, node.at);
    const entity = this.entity(wf, target, node.fields);
    const bindings = this.bindings(wf, scope, entity, node.fields.get("inputs"));
    try {
      const ref = wf.addEntity(entity as Workflow, bindings).withOverrides({ name: node.id });
      const o = this.overrides(node.fields);
      if (Object.keys(o).length > 0) ref.withOverrides(o);
      return ref;
    } catch (e) {
      return rethrow(node.fields.get("inputs")?.at ?? node.at, e);
    }
  }

  private condition(wf: Workflow, scope: Map<string, { outputs: Readonly<Record<string, Handle<unknown>>> }>, l: Located): Condition {
    const text = this.src.string(l, "if");
    let tree: ConditionTree;
    try {
      tree = parseCondition(text);
    } catch (e) {
      if (e instanceof ConditionSyntaxError) throw new SpecInvalidError(`condition ${JSON.stringify(text)}: ${e.message}`, this.src.at(l.node as YamlNode, quoteOffset(l.node) + e.offset));
      throw e;
    }
    const operand = (o: ConditionOperand): unknown => {
      if ("value" in o) return o.value;
      const [n, out] = [o.ref.split(".")[0]!, o.ref.split(".")[1]];
      return this.resolve(wf, scope, n, out, l.at);
    };
    const build = (c: ConditionTree): Condition => {
      if (c.kind === "join") return c.op === "AND" ? build(c.left).and(build(c.right)) : build(c.left).or(build(c.right));
      if (c.kind === "test") {
        const h = operand(c.operand);
        if (!(h instanceof Handle)) throw new SpecInvalidError(`condition ${JSON.stringify(text)}: "is ${c.test}" needs a reference on its left`, l.at);
        const m = h as unknown as Record<"isTrue" | "isFalse" | "isNone", () => Condition>;
        return c.test === "true" ? m.isTrue() : c.test === "false" ? m.isFalse() : m.isNone();
      }
      const made = compare(operand(c.left), c.op, operand(c.right));
      if (typeof made === "string") throw new SpecInvalidError(`condition ${JSON.stringify(text)}: ${made}`, l.at);
      return made;
    };
    try {
      return build(tree);
    } catch (e) {
      return rethrow(l.at, e);
    }
  }

  private addConditional(wf: Workflow, scope: Map<string, { outputs: Readonly<Record<string, Handle<unknown>>> }>, node: NodeDef): NodeRef<OutputsSpec> {
    const branch = (l: Located | undefined, what: string, withFail: boolean): [EntityLike, Record<string, unknown>] | { fail: string } => {
      if (!l) throw new SpecInvalidError(`conditional node ${JSON.stringify(node.id)} needs ${what}: { task: <name>, inputs: { ... } }`, node.at);
      const fields = this.src.fields(l, what, withFail ? [...TARGETS, "inputs", "fail"] : [...TARGETS, "inputs"]);
      const fail = fields.get("fail");
      if (fail) return { fail: this.src.string(fail, "fail") };
      const target = this.target(fields, what, l.at);
      const entity = this.entity(wf, target, fields);
      return [entity, this.bindings(wf, scope, entity, fields.get("inputs"))];
    };
    type Stage = { then(e: unknown, b?: unknown): Chain };
    type Chain = { elif(c: Condition): Stage; else(): { then(e: unknown, b?: unknown): unknown; fail(m: string): unknown } };
    try {
      const first = branch(node.fields.get("then"), "then", false) as [EntityLike, Record<string, unknown>];
      let chain = (wf.conditional(node.id) as unknown as { if(c: Condition): Stage }).if(this.condition(wf, scope, node.fields.get("if")!)).then(...first);
      const elif = node.fields.get("elif");
      for (const e of elif ? this.src.items(elif, "elif") : []) {
        const f = this.src.fields(e, "an elif", ["if", "then"]);
        if (!f.get("if")) throw new SpecInvalidError('an elif needs if: "<condition>"', e.at);
        chain = chain.elif(this.condition(wf, scope, f.get("if")!)).then(...(branch(f.get("then"), "then", false) as [EntityLike, Record<string, unknown>]));
      }
      const last = branch(node.fields.get("else"), "else", true);
      return (Array.isArray(last) ? chain.else().then(...last) : chain.else().fail(last.fail)) as NodeRef<OutputsSpec>;
    } catch (e) {
      return rethrow(node.at, e);
    }
  }
}

/** `$node.output`, `$node`, `$inputs.name`; `$$...` is a string that starts with `$`. */
function refOf(s: string): { node: string; output: string | undefined } | undefined {
  if (!s.startsWith("$") || s.startsWith("$$")) return undefined;
  const m = /^\$([A-Za-z_][A-Za-z0-9_-]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?$/.exec(s);
  if (!m) return undefined;
  return { node: m[1]!, output: m[2] };
}

function hasRef(node: YamlNode | null): boolean {
  if (isScalar(node)) return typeof node.value === "string" && refOf(node.value) !== undefined;
  if (isSeq(node)) return node.items.some((i) => hasRef(i as YamlNode));
  if (isMap(node)) return node.items.some((p) => hasRef((p.value ?? null) as YamlNode | null));
  return false;
}

/** Where a scalar's text starts inside its node (after an opening quote). */
function quoteOffset(node: YamlNode | null): number {
  return isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") ? 1 : 0;
}

/** A constant as written, turned into the value its type takes: a date from text, a duration from "10s". */
function revive(value: unknown, type: LiteralType | undefined): unknown {
  if (!type) return value;
  if (type.unionType) {
    for (const v of type.unionType.variants ?? []) {
      const r = revive(value, v);
      if (r !== value) return r;
    }
    return value;
  }
  if (type.simple === "DATETIME" && typeof value === "string") {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d;
  }
  if (type.simple === "DURATION" && typeof value === "string") {
    const n = ms(value as ms.StringValue) as number | undefined;
    return typeof n === "number" ? n : value;
  }
  if (type.collectionType && Array.isArray(value)) return value.map((v) => revive(v, type.collectionType));
  if (type.mapValueType && typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v, type.mapValueType)]));
  return value;
}

/** The pipeline types, exported for the JSON Schema. */
export { NODE_FIELDS, TARGETS };
