/**
 * Indexes over compiled specs that the engine's state machine reads: nodes by
 * id, downstream nodes, roots. Built once per template object.
 *
 * @module
 */
import type { Identifier } from "../idl/core.js";
import type { LaunchPlanSpec, Node, TaskSpec, WorkflowSpec, WorkflowTemplate } from "../idl/specs.js";
import { idKey } from "../compiler/identifiers.js";
import { CompileError } from "../errors.js";

/** Nodes of a template by id, with their downstream ids and the roots. */
export interface TemplateIndex {
  readonly template: WorkflowTemplate;
  readonly byId: ReadonlyMap<string, Node>;
  readonly downstream: ReadonlyMap<string, readonly string[]>;
  readonly roots: readonly string[];
}

/** Builds the index of a template (`SpecSet.index` keeps it for the execution). */
function buildIndex(template: WorkflowTemplate): TemplateIndex {
  const byId = new Map<string, Node>();
  const downstream = new Map<string, string[]>();
  const roots: string[] = [];
  for (const n of template.nodes ?? []) {
    const id = n.id ?? "";
    byId.set(id, n);
    downstream.set(id, []);
  }
  for (const n of template.nodes ?? []) {
    const ups = n.upstreamNodeIds ?? [];
    if (ups.length === 0) roots.push(n.id ?? "");
    for (const u of ups) {
      const d = downstream.get(u);
      if (!d) throw new CompileError(`workflow ${template.id?.name ?? ""}: node ${n.id ?? ""} depends on unknown node ${u}`);
      d.push(n.id ?? "");
    }
  }
  return { template, byId, downstream, roots };
}

/**
 * The specs an execution needs, looked up by identifier: workflow templates
 * (with subworkflows), tasks and launch plans. The engine loads them from the
 * registry before stepping, so the state machine reads them synchronously.
 *
 * @example
 * ```ts
 * const specs = new SpecSet();
 * specs.addWorkflow(workflowSpec);
 * specs.template(workflowSpec.template!.id!);
 * ```
 */
export class SpecSet {
  private readonly templates = new Map<string, WorkflowTemplate>();
  private readonly tasks = new Map<string, TaskSpec>();
  private readonly launchPlans = new Map<string, LaunchPlanSpec>();
  /** Template indexes, built once per execution loaded (not in the module: the state machine keeps no state of its own). */
  private readonly indexes = new WeakMap<WorkflowTemplate, TemplateIndex>();

  /**
   * The index of a template: its nodes by id, downstream ids and roots.
   *
   * @example
   * ```ts
   * specs.index(template).roots; // ["n0", "n1"]
   * ```
   */
  index(template: WorkflowTemplate): TemplateIndex {
    let ix = this.indexes.get(template);
    if (!ix) {
      ix = buildIndex(template);
      this.indexes.set(template, ix);
    }
    return ix;
  }

  /** Adds a workflow spec: its template and subworkflow templates. */
  addWorkflow(spec: WorkflowSpec): void {
    for (const t of [spec.template, ...(spec.subWorkflows ?? [])]) if (t?.id) this.templates.set(idKey(t.id), t);
  }

  /** Adds a task spec. */
  addTask(spec: TaskSpec): void {
    const id = spec.template?.id;
    if (id) this.tasks.set(idKey(id), spec);
  }

  /** Adds a launch plan spec under its identifier. */
  addLaunchPlan(id: Identifier, spec: LaunchPlanSpec): void {
    this.launchPlans.set(idKey(id), spec);
  }

  /** True when a workflow template is known. */
  hasTemplate(id: Identifier): boolean {
    return this.templates.has(idKey(id));
  }

  /** A workflow template. */
  template(id: Identifier): WorkflowTemplate {
    const t = this.templates.get(idKey(id));
    if (!t) throw new CompileError(`no workflow ${idKey(id)} is loaded`);
    return t;
  }

  /** A task spec. */
  task(id: Identifier): TaskSpec {
    const t = this.tasks.get(idKey(id));
    if (!t) throw new CompileError(`no task ${idKey(id)} is loaded`);
    return t;
  }

  /** True when a task spec is known. */
  hasTask(id: Identifier): boolean {
    return this.tasks.has(idKey(id));
  }

  /** A launch plan spec. */
  launchPlan(id: Identifier): LaunchPlanSpec {
    const t = this.launchPlans.get(idKey(id));
    if (!t) throw new CompileError(`no launch plan ${idKey(id)} is loaded`);
    return t;
  }

  /** True when a launch plan spec is known. */
  hasLaunchPlan(id: Identifier): boolean {
    return this.launchPlans.has(idKey(id));
  }
}
