/**
 * Argo Workflows' `dag` and `steps` templates as Aloft workflows: each leaf
 * template's name is a task name, bound to a TypeScript task like any other;
 * `dependencies`/`depends` and the order of step groups become ordering;
 * `arguments.parameters` become bindings, with `{{workflow.parameters.X}}`,
 * `{{inputs.parameters.X}}`, `{{tasks.T.outputs.parameters.Y}}` and
 * `{{steps.S.outputs.parameters.Y}}` as references; `withParam` and
 * `withItems` over one `{{item}}` argument become a map task. A dag or steps
 * template used by another runs as a subworkflow. What the importer does not
 * read (artifacts, scripts, `when`, `{{item.field}}`, text around a
 * reference, other template kinds) is an error naming the field, at its line
 * and column.
 *
 * @module
 */
import { isMap, isScalar, isSeq, type Document, type Node as YamlNode } from "yaml";
import { AloftError } from "../../errors.js";
import { Workflow } from "../../sdk/workflow-builder.js";
import { mapTask } from "../../sdk/map-task.js";
import { LaunchPlan } from "../../sdk/launch-plan.js";
import type { Handle } from "../../sdk/handle.js";
import type { NodeRef } from "../../sdk/node-ref.js";
import type { OutputsSpec } from "../../sdk/interface.js";
import { definitionOf, type EntityLike } from "../../sdk/entity.js";
import type { LiteralType } from "../../idl/core.js";
import { t } from "../../types/t.js";
import type { AnyType } from "../../types/type.js";
import { SpecInvalidError, SpecUnsupportedError, asSpecError, type TextPosition } from "../errors.js";
import { requireTasksAt } from "../bind-tasks.js";
import { plainValue, type Located, type Source } from "../pipeline/yaml-tree.js";

type Fields = Map<string, Located & { keyAt: TextPosition }>;

/** True when a parsed document is an Argo `Workflow`, `WorkflowTemplate` or `ClusterWorkflowTemplate`. */
export function isArgoDocument(doc: Document): boolean {
  if (!isMap(doc.contents)) return false;
  const api = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "apiVersion");
  return api !== undefined && isScalar(api.value) && typeof api.value.value === "string" && api.value.value.startsWith("argoproj.io/");
}

const SUPPORTED_TEMPLATE = ["name", "inputs", "outputs", "dag", "steps", "container", "metadata", "retryStrategy", "activeDeadlineSeconds", "nodeSelector", "tolerations", "affinity", "podSpecPatch", "serviceAccountName", "securityContext", "volumes", "sidecars", "initContainers", "archiveLocation", "timeout", "parallelism", "failFast"];
const UNSUPPORTED_TEMPLATE: Readonly<Record<string, string>> = {
  script: "a script template runs code inline; write it as a TypeScript task named after the template",
  resource: "a resource template acts on Kubernetes objects",
  suspend: "a suspend template waits for a person; use a gate in a pipeline or TypeScript workflow",
  http: "an HTTP template calls a URL",
  plugin: "a plugin template runs an executor plugin",
  data: "a data template transforms artifacts",
  containerSet: "a container set runs several containers in one pod",
};
const TASK_FIELDS = ["name", "template", "arguments", "dependencies", "depends", "withParam", "withItems", "continueOn", "hooks", "onExit", "templateRef", "when", "withSequence", "inline"];

/** A reference in an argument: `{{workflow.parameters.x}}` and the like. */
type Ref = { kind: "input"; name: string } | { kind: "output"; node: string; name: string } | { kind: "item" };

function parseRef(text: string, scope: "dag" | "steps"): Ref | undefined {
  const m = /^\{\{\s*([^{}]+?)\s*\}\}$/.exec(text);
  if (!m) return undefined;
  const expr = m[1]!;
  let r: RegExpExecArray | null;
  if ((r = /^(?:workflow|inputs)\.parameters\.([A-Za-z0-9_-]+)$/.exec(expr))) return { kind: "input", name: r[1]! };
  if ((r = new RegExp(`^${scope === "dag" ? "tasks" : "steps"}\\.([A-Za-z0-9_-]+)\\.outputs\\.(?:parameters\\.([A-Za-z0-9_-]+)|(result))$`).exec(expr))) return { kind: "output", node: r[1]!, name: r[2] ?? "result" };
  if (expr === "item") return { kind: "item" };
  return undefined;
}

function rethrow(at: TextPosition, e: unknown): never {
  return asSpecError(e, at);
}

interface TemplateDef {
  readonly name: string;
  readonly at: TextPosition;
  readonly fields: Fields;
  readonly kind: "dag" | "steps" | "container";
}

interface StepDef {
  readonly name: string;
  readonly at: TextPosition;
  readonly fields: Fields;
  /** For steps: the nodes of earlier groups. */
  readonly after: readonly string[];
}

/** What an Argo document builds. */
export interface ArgoEntities {
  readonly workflows: Map<string, Workflow>;
  /** The workflow's launch plan carrying spec.arguments as defaults, when there are any. */
  readonly launchPlans: Map<string, EntityLike>;
  /** The entrypoint's workflow name first. */
  readonly names: string[];
}

/** Builds the workflows of an Argo document. */
export class ArgoBuilder {
  private readonly templates = new Map<string, TemplateDef>();
  private readonly built = new Map<string, Workflow>();
  private readonly building: string[] = [];
  private workflowName = "";
  private globals: Map<string, { value: unknown; at: TextPosition }> = new Map();

  constructor(
    private readonly doc: Document,
    private readonly src: Source,
    private readonly tasks: ReadonlyMap<string, EntityLike>,
  ) {}

  build(): ArgoEntities {
    const root: Located = { node: this.doc.contents as YamlNode | null, at: this.src.at(this.doc.contents as YamlNode | null) };
    const top = this.src.fields(root, "an Argo workflow", ["apiVersion", "kind", "metadata", "spec"]);
    const kind = top.get("kind");
    const kindName = kind ? this.src.string(kind, "kind") : "";
    if (!["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"].includes(kindName)) throw new SpecUnsupportedError(`kind ${JSON.stringify(kindName)}: the importer reads Workflow, WorkflowTemplate and ClusterWorkflowTemplate`, kind?.at ?? root.at);
    const meta = top.get("metadata");
    const metaFields = meta && isMap(meta.node) ? new Map(this.src.entries(meta, "metadata").map((e) => [e.key, e.value])) : new Map<string, Located>();
    const name = metaFields.get("name") ? this.src.string(metaFields.get("name")!, "metadata.name") : metaFields.get("generateName") ? this.src.string(metaFields.get("generateName")!, "metadata.generateName").replace(/-+$/, "") : undefined;
    const spec = top.get("spec");
    if (!spec) throw new SpecInvalidError("an Argo workflow needs spec: { entrypoint, templates }", root.at);
    const specFields = new Map(this.src.entries(spec, "spec").map((e) => [e.key, { ...e.value, keyAt: e.keyAt }]));
    for (const [k, v] of specFields) {
      if (["entrypoint", "templates", "arguments", "serviceAccountName", "podGC", "ttlStrategy", "ttlSecondsAfterFinished", "activeDeadlineSeconds", "parallelism", "nodeSelector", "tolerations", "affinity", "securityContext", "imagePullSecrets", "podMetadata", "workflowMetadata", "archiveLogs", "volumes", "volumeClaimTemplates", "podDisruptionBudget", "priority", "retryStrategy", "shutdown"].includes(k)) continue;
      throw new SpecUnsupportedError(`spec.${k} is not something the Argo importer reads${k === "onExit" ? " (an exit handler: use onFailure in a pipeline file, or a failure handler)" : ""}`, v.keyAt);
    }
    const entry = specFields.get("entrypoint");
    if (!entry) throw new SpecInvalidError("spec.entrypoint names the template to run", spec.at);
    const entrypoint = this.src.string(entry, "spec.entrypoint");
    this.workflowName = name ?? entrypoint;
    const args = specFields.get("arguments");
    if (args) {
      const a = this.src.fields(args, "spec.arguments", ["parameters", "artifacts"]);
      if (a.has("artifacts")) throw new SpecUnsupportedError("spec.arguments.artifacts: the importer passes parameters, not artifacts (use t.file inputs in a pipeline file)", a.get("artifacts")!.keyAt);
      for (const p of a.get("parameters") ? this.src.items(a.get("parameters")!, "spec.arguments.parameters") : []) {
        const pf = this.src.fields(p, "a parameter", ["name", "value", "description", "enum", "default"]);
        const pname = this.src.string(pf.get("name") ?? { node: null, at: p.at }, "a parameter's name");
        const v = pf.get("value") ?? pf.get("default");
        this.globals.set(pname, { value: v ? plainValue(v.node) : undefined, at: p.at });
      }
    }
    const templates = specFields.get("templates");
    if (!templates) throw new SpecInvalidError("spec.templates lists the templates", spec.at);
    for (const tl of this.src.items(templates, "spec.templates")) {
      const entries = this.src.entries(tl, "a template");
      for (const e of entries) {
        if (UNSUPPORTED_TEMPLATE[e.key]) throw new SpecUnsupportedError(`${e.key}: ${UNSUPPORTED_TEMPLATE[e.key]}`, e.keyAt);
        if (!SUPPORTED_TEMPLATE.includes(e.key)) throw new SpecUnsupportedError(`template field ${JSON.stringify(e.key)} is not something the Argo importer reads`, e.keyAt);
      }
      const fields: Fields = new Map(entries.map((e) => [e.key, { ...e.value, keyAt: e.keyAt }]));
      const tname = this.src.string(fields.get("name") ?? { node: null, at: tl.at }, "a template's name");
      if (this.templates.has(tname)) throw new SpecInvalidError(`two templates are named ${JSON.stringify(tname)}`, fields.get("name")!.at);
      for (const side of ["inputs", "outputs"]) {
        const s = fields.get(side);
        if (s && isMap(s.node)) {
          const sf = this.src.entries(s, `${side}`);
          const art = sf.find((x) => x.key === "artifacts");
          if (art) throw new SpecUnsupportedError(`${side}.artifacts of template ${JSON.stringify(tname)}: the importer passes parameters, not artifacts`, art.keyAt);
        }
      }
      const kind = fields.has("dag") ? "dag" : fields.has("steps") ? "steps" : "container";
      this.templates.set(tname, { name: tname, at: fields.get("name")!.at, fields, kind });
    }
    if (!this.templates.has(entrypoint)) throw new SpecInvalidError(`spec.entrypoint names template ${JSON.stringify(entrypoint)}, which spec.templates does not have`, entry.at);
    this.checkTasks();
    const main = this.workflow(entrypoint, entry.at);
    const workflows = new Map<string, Workflow>([[main.name, main]]);
    for (const [k, v] of this.built) if (v !== main) workflows.set(k, v);
    // spec.arguments values are what a submission passes unless told otherwise: the defaults of a launch plan named after the workflow
    const inputs = definitionOf(main)!.interface.inputs;
    const defaults: Record<string, unknown> = {};
    for (const [k, g] of this.globals) if (g.value !== undefined && inputs[k]) defaults[k] = reviveParameter(g.value, inputs[k].literalType);
    const launchPlans = new Map<string, EntityLike>();
    if (Object.keys(defaults).length > 0) {
      try {
        launchPlans.set(main.name, LaunchPlan.create(main.name, main, { defaultInputs: defaults }) as unknown as EntityLike);
      } catch (e) {
        rethrow(args?.at ?? spec.at, e);
      }
    }
    return { workflows, launchPlans, names: [main.name] };
  }

  /** Every leaf template a dag or steps template runs must be a TypeScript task: one error lists all. */
  private checkTasks(): void {
    const uses: { name: string; at: TextPosition }[] = [];
    for (const tpl of this.templates.values()) {
      if (tpl.kind === "container") continue;
      for (const s of this.stepsOf(tpl)) {
        const ref = s.fields.get("template");
        if (!ref) continue;
        const target = this.src.string(ref, "template");
        if (this.templates.get(target)?.kind === "container" && !this.tasks.has(target)) uses.push({ name: target, at: ref.at });
      }
    }
    requireTasksAt(uses, this.tasks);
  }

  private stepsOf(tpl: TemplateDef): StepDef[] {
    const out: StepDef[] = [];
    if (tpl.kind === "dag") {
      const dag = this.src.fields(tpl.fields.get("dag")!, "dag", ["tasks", "target", "failFast"]);
      if (dag.has("target")) throw new SpecUnsupportedError("dag.target: the importer runs every task of a dag", dag.get("target")!.keyAt);
      for (const task of dag.get("tasks") ? this.src.items(dag.get("tasks")!, "dag.tasks") : []) {
        const fields = this.src.fields(task, "a dag task", TASK_FIELDS);
        out.push({ name: this.src.string(fields.get("name") ?? { node: null, at: task.at }, "a dag task's name"), at: task.at, fields, after: [] });
      }
      return out;
    }
    const groups = this.src.items(tpl.fields.get("steps")!, "steps");
    let before: string[] = [];
    for (const g of groups) {
      const group = isSeq(g.node) ? this.src.items(g, "a step group") : [g];
      const names: string[] = [];
      for (const step of group) {
        const fields = this.src.fields(step, "a step", TASK_FIELDS);
        const name = this.src.string(fields.get("name") ?? { node: null, at: step.at }, "a step's name");
        out.push({ name, at: step.at, fields, after: before });
        names.push(name);
      }
      before = names;
    }
    return out;
  }

  private workflow(name: string, usedAt: TextPosition): Workflow {
    const done = this.built.get(name);
    if (done) return done;
    if (this.building.includes(name)) throw new SpecInvalidError(`template ${JSON.stringify(name)} runs itself (${[...this.building, name].join(" -> ")})`, usedAt);
    this.building.push(name);
    try {
      const wf = this.buildTemplate(this.templates.get(name)!, this.building.length === 1);
      this.built.set(name, wf);
      return wf;
    } finally {
      this.building.pop();
    }
  }

  /** The Aloft entity a step's template is: a TypeScript task, or a subworkflow. */
  private entity(step: StepDef): EntityLike {
    const f = step.fields;
    for (const k of ["templateRef", "inline", "when", "withSequence", "onExit", "hooks", "continueOn"]) {
      const v = f.get(k);
      if (v) throw new SpecUnsupportedError(`${k} of ${JSON.stringify(step.name)}: the importer does not read ${k}${k === "when" ? " (write the condition as a conditional in a pipeline file)" : ""}`, v.keyAt);
    }
    const ref = f.get("template");
    if (!ref) throw new SpecInvalidError(`${JSON.stringify(step.name)} needs template: <name>`, step.at);
    const name = this.src.string(ref, "template");
    const tpl = this.templates.get(name);
    if (!tpl) throw new SpecInvalidError(`${JSON.stringify(step.name)} runs template ${JSON.stringify(name)}, which spec.templates does not have`, ref.at);
    if (tpl.kind === "container") return this.tasks.get(name)!;
    return this.workflow(name, ref.at);
  }

  /** The types of a template's input parameters: from the TypeScript tasks that take them, else str. */
  private inputTypes(tpl: TemplateDef, steps: readonly StepDef[], isMain: boolean): Map<string, { type: AnyType; default: unknown; at: TextPosition }> {
    const out = new Map<string, { type: AnyType; default: unknown; at: TextPosition }>();
    const declared = new Map<string, { value: unknown; at: TextPosition }>();
    const inputs = tpl.fields.get("inputs");
    if (inputs && isMap(inputs.node)) {
      const f = this.src.fields(inputs, "inputs", ["parameters"]);
      for (const p of f.get("parameters") ? this.src.items(f.get("parameters")!, "inputs.parameters") : []) {
        const pf = this.src.fields(p, "a parameter", ["name", "value", "default", "description", "enum"]);
        const v = pf.get("default") ?? pf.get("value");
        declared.set(this.src.string(pf.get("name") ?? { node: null, at: p.at }, "a parameter's name"), { value: v ? plainValue(v.node) : undefined, at: p.at });
      }
    }
    if (isMain) for (const [k, v] of this.globals) if (!declared.has(k)) declared.set(k, v);
    for (const [k, d] of declared) {
      let type: AnyType = t.str;
      for (const s of steps) {
        const entity = this.tasksOrSub(s);
        if (!entity) continue;
        for (const a of this.argumentsOf(s)) {
          const r = isScalar(a.value.node) && typeof a.value.node.value === "string" ? parseRef(a.value.node.value, tpl.kind === "steps" ? "steps" : "dag") : undefined;
          const target = definitionOf(entity)?.interface.inputs[a.name];
          if (r?.kind === "input" && r.name === k && target) {
            type = target;
            break;
          }
        }
      }
      out.set(k, { type, default: d.value, at: d.at });
    }
    return out;
  }

  private tasksOrSub(s: StepDef): EntityLike | undefined {
    const ref = s.fields.get("template");
    if (!ref || !isScalar(ref.node)) return undefined;
    const tpl = this.templates.get(String(ref.node.value));
    return tpl?.kind === "container" ? this.tasks.get(tpl.name) : undefined;
  }

  private argumentsOf(s: StepDef): { name: string; value: Located; at: TextPosition }[] {
    const args = s.fields.get("arguments");
    if (!args) return [];
    const a = this.src.fields(args, "arguments", ["parameters", "artifacts"]);
    if (a.has("artifacts")) throw new SpecUnsupportedError(`arguments.artifacts of ${JSON.stringify(s.name)}: the importer passes parameters, not artifacts`, a.get("artifacts")!.keyAt);
    return (a.get("parameters") ? this.src.items(a.get("parameters")!, "arguments.parameters") : []).map((p) => {
      const pf = this.src.fields(p, "a parameter", ["name", "value", "valueFrom"]);
      if (pf.has("valueFrom")) throw new SpecUnsupportedError(`valueFrom of an argument of ${JSON.stringify(s.name)}: give the value, or a {{...}} reference, as value`, pf.get("valueFrom")!.keyAt);
      const name = this.src.string(pf.get("name") ?? { node: null, at: p.at }, "a parameter's name");
      return { name, value: pf.get("value") ?? { node: null, at: p.at }, at: p.at };
    });
  }

  private buildTemplate(tpl: TemplateDef, isMain: boolean): Workflow {
    const wf = new Workflow(isMain ? this.workflowName : tpl.name);
    const steps = this.stepsOf(tpl);
    const types = this.inputTypes(tpl, steps, isMain);
    for (const [k, v] of types) {
      try {
        wf.addWorkflowInput(k, v.type);
      } catch (e) {
        rethrow(v.at, e);
      }
    }
    const scope = new Map<string, NodeRef<OutputsSpec>>();
    const byName = new Map(steps.map((s) => [s.name, s]));
    const scopeKind = tpl.kind === "steps" ? "steps" : "dag";
    const depsOf = (s: StepDef): { name: string; at: TextPosition; data: boolean }[] => {
      const out: { name: string; at: TextPosition; data: boolean }[] = s.after.map((n) => ({ name: n, at: s.at, data: false }));
      const deps = s.fields.get("dependencies");
      for (const d of deps ? this.src.items(deps, "dependencies") : []) out.push({ name: this.src.string(d, "dependencies"), at: d.at, data: false });
      const depends = s.fields.get("depends");
      if (depends) {
        const text = this.src.string(depends, "depends");
        for (const part of text.split("&&")) {
          const m = /^\s*\(?\s*([A-Za-z0-9_-]+)(?:\.(Succeeded))?\s*\)?\s*$/.exec(part);
          if (!m) throw new SpecUnsupportedError(`depends ${JSON.stringify(text)}: the importer reads "A && B" and "A.Succeeded" (a node runs when those succeeded), not ${JSON.stringify(part.trim())}`, depends.at);
          out.push({ name: m[1]!, at: depends.at, data: false });
        }
      }
      for (const a of this.argumentsOf(s)) {
        const r = isScalar(a.value.node) && typeof a.value.node.value === "string" ? parseRef(a.value.node.value, scopeKind) : undefined;
        if (r?.kind === "output") out.push({ name: r.node, at: a.value.at, data: true });
      }
      for (const k of ["withParam"]) {
        const v = s.fields.get(k);
        const r = v && isScalar(v.node) && typeof v.node.value === "string" ? parseRef(v.node.value, scopeKind) : undefined;
        if (r?.kind === "output") out.push({ name: r.node, at: v!.at, data: true });
      }
      for (const d of out) if (!byName.has(d.name)) throw new SpecInvalidError(`${JSON.stringify(s.name)} depends on ${JSON.stringify(d.name)}, which template ${JSON.stringify(tpl.name)} does not have (it has ${[...byName.keys()].join(", ")})`, d.at);
      return out;
    };
    const order: StepDef[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (s: StepDef, path: string[], at: TextPosition): void => {
      if (state.get(s.name) === "done") return;
      if (state.get(s.name) === "visiting") throw new SpecInvalidError(`template ${JSON.stringify(tpl.name)} has a cycle: ${[...path.slice(path.indexOf(s.name)), s.name].join(" -> ")}`, at);
      state.set(s.name, "visiting");
      for (const d of depsOf(s)) visit(byName.get(d.name)!, [...path, s.name], d.at);
      state.set(s.name, "done");
      order.push(s);
    };
    const seen = new Set<string>();
    for (const s of steps) {
      if (seen.has(s.name)) throw new SpecInvalidError(`two tasks of template ${JSON.stringify(tpl.name)} are named ${JSON.stringify(s.name)}`, s.at);
      seen.add(s.name);
    }
    for (const s of steps) visit(s, [], s.at);
    for (const s of order) scope.set(s.name, this.addStep(wf, scope, s, scopeKind));
    for (const s of steps) {
      for (const d of depsOf(s)) {
        if (d.data) continue;
        try {
          scope.get(d.name)!.runsBefore(scope.get(s.name)!);
        } catch (e) {
          // already ordered through its data: nothing to add
          if (!(e instanceof AloftError) || !/already depends|cycle/.test(e.message)) rethrow(d.at, e);
        }
      }
    }
    this.addOutputs(wf, tpl, scope, scopeKind);
    return wf;
  }

  private addOutputs(wf: Workflow, tpl: TemplateDef, scope: Map<string, NodeRef<OutputsSpec>>, scopeKind: "dag" | "steps"): void {
    const outputs = tpl.fields.get("outputs");
    if (!outputs || !isMap(outputs.node)) return;
    const f = this.src.fields(outputs, "outputs", ["parameters", "result", "exitCode"]);
    for (const p of f.get("parameters") ? this.src.items(f.get("parameters")!, "outputs.parameters") : []) {
      const pf = this.src.fields(p, "an output parameter", ["name", "valueFrom", "description", "globalName"]);
      const name = this.src.string(pf.get("name") ?? { node: null, at: p.at }, "an output's name");
      const vf = pf.get("valueFrom") ? this.src.fields(pf.get("valueFrom")!, "valueFrom", ["parameter", "default"]) : undefined;
      const param = vf?.get("parameter");
      if (!param) throw new SpecUnsupportedError(`output ${JSON.stringify(name)} of template ${JSON.stringify(tpl.name)}: the importer reads valueFrom.parameter: "{{tasks.T.outputs.parameters.Y}}"`, p.at);
      const r = parseRef(this.src.string(param, "valueFrom.parameter"), scopeKind);
      if (r?.kind !== "output") throw new SpecUnsupportedError(`valueFrom.parameter must be one {{${scopeKind === "dag" ? "tasks" : "steps"}.<name>.outputs.parameters.<name>}} reference`, param.at);
      try {
        wf.addWorkflowOutput(name, this.output(scope, r.node, r.name, param.at));
      } catch (e) {
        rethrow(param.at, e);
      }
    }
  }

  private output(scope: Map<string, NodeRef<OutputsSpec>>, node: string, name: string, at: TextPosition): Handle<unknown> {
    const outs = scope.get(node)!.outputs as Readonly<Record<string, Handle<unknown>>>;
    const names = Object.keys(outs);
    const pick = name === "result" && !(name in outs) && names.length === 1 ? names[0]! : name;
    const h = Object.prototype.hasOwnProperty.call(outs, pick) ? outs[pick] : undefined;
    if (!h) throw new SpecInvalidError(`${JSON.stringify(node)} has no output ${JSON.stringify(name)} (its outputs: ${names.join(", ") || "none"})`, at);
    return h;
  }

  private value(wf: Workflow, scope: Map<string, NodeRef<OutputsSpec>>, l: Located, type: LiteralType | undefined, scopeKind: "dag" | "steps", item: Handle<unknown> | "item" | undefined): unknown {
    const raw = plainValue(l.node);
    if (typeof raw === "string" && raw.includes("{{")) {
      const r = parseRef(raw, scopeKind);
      if (!r) throw new SpecUnsupportedError(`${JSON.stringify(raw)}: the importer reads a value that is one {{workflow.parameters.X}}, {{inputs.parameters.X}}, {{${scopeKind === "dag" ? "tasks" : "steps"}.T.outputs.parameters.Y}} or {{item}} reference, not text around one or other expressions`, l.at);
      if (r.kind === "input") {
        const h = Object.prototype.hasOwnProperty.call(wf.inputs, r.name) ? wf.inputs[r.name] : undefined;
        if (!h) throw new SpecInvalidError(`${raw}: there is no parameter ${JSON.stringify(r.name)} (parameters: ${Object.keys(wf.inputs).join(", ") || "none"})`, l.at);
        return h;
      }
      if (r.kind === "output") return this.output(scope, r.node, r.name, l.at);
      if (item === undefined) throw new SpecInvalidError("{{item}} outside a withParam or withItems task", l.at);
      return item;
    }
    return reviveParameter(raw, type);
  }

  private addStep(wf: Workflow, scope: Map<string, NodeRef<OutputsSpec>>, s: StepDef, scopeKind: "dag" | "steps"): NodeRef<OutputsSpec> {
    const entity = this.entity(s);
    const types = definitionOf(entity)!.interface.inputs;
    const over = s.fields.get("withParam") ?? s.fields.get("withItems");
    const bindings: Record<string, unknown> = {};
    let mapped: string | undefined;
    for (const a of this.argumentsOf(s)) {
      if (!Object.prototype.hasOwnProperty.call(types, a.name)) throw new SpecInvalidError(`${JSON.stringify(s.name)} passes parameter ${JSON.stringify(a.name)}, which task ${JSON.stringify(entity.name)} does not take (it takes ${Object.keys(types).join(", ") || "nothing"})`, a.at);
      const raw = plainValue(a.value.node);
      if (typeof raw === "string" && /\{\{\s*item\./.test(raw)) throw new SpecUnsupportedError(`${JSON.stringify(raw)}: {{item.<field>}} (items that are objects) is beyond a map task; map over a list of plain values`, a.value.at);
      if (typeof raw === "string" && /^\{\{\s*item\s*\}\}$/.test(raw)) {
        if (!over) throw new SpecInvalidError("{{item}} outside a withParam or withItems task", a.value.at);
        if (mapped !== undefined) throw new SpecUnsupportedError(`${JSON.stringify(s.name)} uses {{item}} for ${mapped} and ${a.name}; a map task maps one list`, a.value.at);
        mapped = a.name;
        continue;
      }
      bindings[a.name] = this.value(wf, scope, a.value, types[a.name]!.literalType, scopeKind, over ? "item" : undefined);
    }
    try {
      if (over) {
        if (mapped === undefined) throw new SpecUnsupportedError(`${JSON.stringify(s.name)} loops (${s.fields.has("withParam") ? "withParam" : "withItems"}) without passing {{item}} to a parameter; the importer maps a task over one list`, over.keyAt);
        if (definitionOf(entity)?.kind !== "task") throw new SpecUnsupportedError(`${JSON.stringify(s.name)} loops over a dag or steps template; the importer maps tasks`, over.keyAt);
        const elem = types[mapped]!.literalType;
        const list = s.fields.has("withItems")
          ? (plainValue(over.node) as unknown[]).map((v) => reviveParameter(v, elem))
          : this.value(wf, scope, over, { collectionType: elem }, scopeKind, undefined);
        if (s.fields.has("withItems") && !isSeq(over.node)) throw new SpecInvalidError("withItems must be a list", over.at);
        bindings[mapped] = list;
        const fixed = Object.keys(bindings).filter((k) => k !== mapped);
        const m = mapTask(entity as never, { fixed } as never) as unknown as EntityLike;
        return wf.addEntity(m as Workflow, bindings).withOverrides({ name: s.name });
      }
      return wf.addEntity(entity as Workflow, bindings).withOverrides({ name: s.name });
    } catch (e) {
      return rethrow(s.at, e);
    }
  }
}

/** An Argo parameter (text) as the value of a TypeScript input: numbers, booleans and JSON for non-string types. */
function reviveParameter(raw: unknown, type: LiteralType | undefined): unknown {
  if (typeof raw !== "string" || !type || type.simple === "STRING" || type.enumType) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
