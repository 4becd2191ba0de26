/**
 * The JSON Schema of Aloft's pipeline format (draft 2020-12), printed by
 * `aloft schema pipeline` and kept in `schemas/pipeline.schema.json` so that
 * editors complete and check pipeline files (`# yaml-language-server:
 * $schema=...` or `"$schema"` in JSON).
 *
 * @module
 */
import { SIMPLE_TYPE_NAMES } from "./type-syntax.js";

const typeExpr = {
  description: `A Flyte type as people write it: ${SIMPLE_TYPE_NAMES.join(", ")}, list[T], map[str, T], optional[T], union[A, B], enum[a, b]; or a mapping of field names to types (a struct).`,
  anyOf: [{ type: "string", examples: ["int", "list[int]", "map[str, float]", "optional[str]", "enum[fast, exact]"] }, { type: "object", additionalProperties: { $ref: "#/$defs/type" } }],
};

const binding = {
  description: "A value for an input: a reference ($inputs.<name>, $<node>.<output>, or $<node> for its only output), a constant, or a list or mapping of those. Start a string constant with $$ to begin it with $.",
};

const targetProps = {
  task: { type: "string", description: "The name of a TypeScript task a --tasks module exports." },
  workflow: { type: "string", description: "A workflow of this file, run as a subworkflow." },
  launchPlan: { type: "string", description: "A launch plan of this file, run as a child execution." },
  map: { type: "string", description: "A task mapped over the lists bound to its inputs (a map task)." },
  inputs: { type: "object", additionalProperties: { $ref: "#/$defs/binding" }, description: "Bindings of the target's inputs, by name." },
};

const oneTarget = { oneOf: ["task", "workflow", "launchPlan", "map"].map((k) => ({ required: [k] })) };

/**
 * The pipeline format's JSON Schema.
 *
 * @example
 * ```ts
 * JSON.stringify(pipelineSchema(), null, 2); // what `aloft schema pipeline` prints
 * ```
 */
export function pipelineSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://aloft.dev/schemas/pipeline.schema.json",
    title: "Aloft pipeline",
    description: "Workflows written by hand: inputs, nodes running TypeScript tasks (bound by name), subworkflows and launch plans, with bindings, ordering, conditionals and map tasks. Run with: aloft run <file> <workflow> --tasks <module>.",
    type: "object",
    required: ["pipeline", "workflows"],
    additionalProperties: false,
    properties: {
      $schema: { type: "string" },
      pipeline: { const: 1, description: "The version of the format." },
      description: { type: "string" },
      workflows: { type: "object", minProperties: 1, additionalProperties: { $ref: "#/$defs/workflow" }, description: "Workflows by name." },
      launchPlans: { type: "object", additionalProperties: { $ref: "#/$defs/launchPlan" }, description: "Launch plans by name." },
    },
    $defs: {
      type: typeExpr,
      binding,
      workflow: {
        type: "object",
        required: ["nodes"],
        additionalProperties: false,
        properties: {
          description: { type: "string" },
          inputs: { type: "object", additionalProperties: { $ref: "#/$defs/type" }, description: "The workflow's inputs and their types." },
          nodes: { type: "array", items: { $ref: "#/$defs/node" } },
          outputs: { type: "object", additionalProperties: { type: "string", pattern: "^\\$" }, description: "The workflow's outputs: references to node outputs." },
          onFailure: { type: "object", additionalProperties: false, properties: { task: { type: "string" }, workflow: { type: "string" } }, description: "The failure handler: a task (or workflow) given the workflow's inputs and, as err, the error." },
          failurePolicy: { enum: ["failImmediately", "failAfterExecutableNodesComplete"] },
        },
      },
      node: {
        type: "object",
        required: ["id"],
        additionalProperties: false,
        properties: {
          id: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_-]*$", description: "The node's id, unique in its workflow; $<id>.<output> names its outputs." },
          name: { type: "string" },
          ...targetProps,
          after: { type: "array", items: { type: "string" }, description: "Nodes that must end before this one starts (ordering without data)." },
          retries: { type: "integer", minimum: 0 },
          timeout: { anyOf: [{ type: "string", examples: ["30s", "10m"] }, { type: "number" }] },
          concurrency: { type: "integer", minimum: 1, description: "For map: how many elements run at once." },
          minSuccessRatio: { type: "number", minimum: 0, maximum: 1, description: "For map: the share of elements that must succeed." },
          fixed: { type: "array", items: { type: "string" }, description: "For map: inputs bound once for every element." },
          if: { type: "string", description: "A condition, making this node a conditional: $inputs.x >= 0 and $n.o0 is true, with ==, !=, <, <=, >, >=, is true, is false, is none, and, or, parentheses." },
          then: { $ref: "#/$defs/branch" },
          elif: { type: "array", items: { type: "object", required: ["if", "then"], additionalProperties: false, properties: { if: { type: "string" }, then: { $ref: "#/$defs/branch" } } } },
          else: { anyOf: [{ $ref: "#/$defs/branch" }, { type: "object", required: ["fail"], additionalProperties: false, properties: { fail: { type: "string", description: "Fail the run with this message." } } }] },
        },
        anyOf: [oneTarget, { required: ["if", "then", "else"] }],
      },
      branch: { type: "object", additionalProperties: false, properties: targetProps, ...oneTarget },
      launchPlan: {
        type: "object",
        required: ["workflow"],
        additionalProperties: false,
        properties: {
          description: { type: "string" },
          workflow: { type: "string" },
          defaults: { type: "object", description: "Values of inputs the caller may leave out." },
          fixed: { type: "object", description: "Values of inputs the caller cannot change." },
          maxParallelism: { type: "integer", minimum: 1 },
        },
      },
    },
  };
}
