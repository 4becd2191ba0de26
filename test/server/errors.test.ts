import { describe, expect, it } from "vitest";
import { InputValueError, RegistryConflictError } from "aloft";
import { ApiError, toApiError } from "../../src/server/errors.js";

describe("toApiError", () => {
  it("maps Aloft's errors to statuses, naming the field", () => {
    expect(toApiError(new InputValueError('workflow "wf" is missing input "x" (int)', 'workflow "wf"', "x")).body()).toEqual({
      error: { code: "invalid_input", message: 'workflow "wf" is missing input "x" (int)', field: "inputs.x" },
    });
    expect(toApiError(new InputValueError("maxParallelism must be a whole number", "execution", "maxParallelism"))).toMatchObject({ status: 400, field: "options.maxParallelism" });
    expect(toApiError(new InputValueError("takes its inputs as a record", 'workflow "wf"', ""))).toMatchObject({ status: 400, field: "inputs" });
    const key = { project: "p", domain: "d", name: "n", version: "1" };
    expect(toApiError(new RegistryConflictError("workflow n version 1 is registered with other content", "workflow", key))).toMatchObject({ status: 409, code: "conflict" });
  });

  it("turns schema validation errors into 400s naming the field", () => {
    const e = Object.assign(new Error("body/workflow must have required property 'name'"), {
      validation: [{ instancePath: "/workflow", keyword: "required", params: { missingProperty: "name" }, message: "must have required property 'name'" }],
      validationContext: "body",
    });
    expect(toApiError(e).body()).toEqual({ error: { code: "invalid_request", message: "workflow.name is required", field: "workflow.name" } });
  });

  it("hides unexpected errors behind a 500 without their details", () => {
    const e = toApiError(new TypeError("cannot read properties of undefined (reading 'secret')"));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.body()).toEqual({ error: { code: "internal", message: "the server failed to handle the request; its log says why" } });
    expect(e.status).toBe(500);
  });
});
