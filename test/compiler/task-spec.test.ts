/**
 * TaskSpec: the template of a task, with its interface and the options that
 * Flyte reads from TaskMetadata and the container.
 */
import { describe, expect, it } from "vitest";
import { compile, DEFAULT_IMAGE, t, task, type TaskSpec } from "aloft";
import { ALOFT_VERSION } from "../../src/version.js";
import { expectProtoForm, idOf, TARGET } from "./expect-spec.js";

/**
 * The container of a task defined in this file: the image, and the command of
 * `aloft execute` with the templates propeller fills in, as flytekit writes
 * pyflyte-execute's (all of it in args).
 */
function runs(name: string, image: string) {
  return {
    image,
    args: [
      "aloft",
      "execute",
      "--inputs",
      "{{.input}}",
      "--output-prefix",
      "{{.outputPrefix}}",
      "--raw-output-data-prefix",
      "{{.rawOutputDataPrefix}}",
      "--checkpoint-path",
      "{{.checkpointOutputPrefix}}",
      "--prev-checkpoint",
      "{{.prevCheckpointPrefix}}",
      "--",
      "test/compiler/task-spec.test.ts",
      name,
    ],
    env: [{ key: "ALOFT_IMAGE", value: image }],
  };
}

function taskSpec(entity: Parameters<typeof compile>[0]): TaskSpec & { template: NonNullable<TaskSpec["template"]> } {
  const spec = compile(entity, TARGET) as TaskSpec;
  expect(spec.template?.id?.resourceType).toBe("TASK");
  expectProtoForm("flyteidl.admin.TaskSpec", spec);
  return spec as TaskSpec & { template: NonNullable<TaskSpec["template"]> };
}

const RUNTIME = { type: "FLYTE_SDK", version: ALOFT_VERSION, flavor: "aloft" };

describe("TaskSpec", () => {
  it("is a template with id, type, runtime metadata and interface, and nothing else by default", () => {
    const plain = task({ name: "ts_plain", inputs: { a: t.int, s: t.str }, outputs: t.bool }, ({ a, s }) => s.length === a);
    expect(taskSpec(plain)).toStrictEqual({
      template: {
        id: idOf("TASK", "ts_plain"),
        type: "aloft-task",
        metadata: { runtime: RUNTIME },
        interface: {
          inputs: { variables: { a: { type: { simple: "INTEGER" }, description: "a" }, s: { type: { simple: "STRING" }, description: "s" } } },
          outputs: { variables: { o0: { type: { simple: "BOOLEAN" }, description: "o0" } } },
        },
      },
    });
  });

  it("has an empty interface for a task with no inputs and no outputs", () => {
    const nothing = task({ name: "ts_nothing" }, () => {});
    expect(taskSpec(nothing).template.interface).toStrictEqual({ inputs: {}, outputs: {} });
  });

  it("names tuple outputs o0..oN in order, and keeps named outputs", () => {
    const tuple = task({ name: "ts_tuple", outputs: [t.int, t.str, t.list(t.float), t.optional(t.bool)] }, () => [1, "a", [0.5] as number[], null]);
    const vars = taskSpec(tuple).template.interface?.outputs?.variables ?? {};
    expect(Object.keys(vars)).toEqual(["o0", "o1", "o2", "o3"]);
    expect(vars.o2).toEqual({ type: { collectionType: { simple: "FLOAT" } }, description: "o2" });
    const record = task({ name: "ts_record", outputs: { total: t.int, mean: t.float } }, () => ({ total: 1, mean: 1 }));
    expect(taskSpec(record).template.interface?.outputs).toEqual({
      variables: { total: { type: { simple: "INTEGER" }, description: "total" }, mean: { type: { simple: "FLOAT" }, description: "mean" } },
    });
  });

  it("writes retries, timeout and interruptible to TaskMetadata", () => {
    const careful = task({ name: "ts_careful", retries: 3, timeout: "10m", interruptible: true }, () => {});
    expect(taskSpec(careful).template.metadata).toStrictEqual({ runtime: RUNTIME, retries: { retries: 3 }, timeout: { seconds: "600" }, interruptible: true });
  });

  it("writes a timeout with a fraction of a second as seconds and nanos", () => {
    const quick = task({ name: "ts_quick", timeout: "1.5s" }, () => {});
    expect(taskSpec(quick).template.metadata?.timeout).toStrictEqual({ seconds: "1", nanos: 500000000 });
    const milli = task({ name: "ts_milli", timeout: 250 }, () => {});
    expect(taskSpec(milli).template.metadata?.timeout).toStrictEqual({ nanos: 250000000 });
  });

  it("keeps interruptible: false, which Flyte tells apart from unset (a oneof)", () => {
    const steady = task({ name: "ts_steady", interruptible: false }, () => {});
    expect(taskSpec(steady).template.metadata).toStrictEqual({ runtime: RUNTIME, interruptible: false });
  });

  it("leaves retries out when there are none", () => {
    const once = task({ name: "ts_once", retries: 0 }, () => {});
    expect(taskSpec(once).template.metadata).not.toHaveProperty("retries");
  });

  it("writes cache settings as discoverable, discoveryVersion, cacheSerializable and cacheIgnoreInputVars", () => {
    const cached = task({ name: "ts_cached", inputs: { a: t.int, seed: t.int }, cache: { version: "2", serialize: true, ignoredInputs: ["seed"] } }, () => {});
    expect(taskSpec(cached).template.metadata).toStrictEqual({
      runtime: RUNTIME,
      discoverable: true,
      discoveryVersion: "2",
      cacheSerializable: true,
      cacheIgnoreInputVars: ["seed"],
    });
    const simple = task({ name: "ts_cached_simply", inputs: { a: t.int }, cache: { version: "1" } }, () => {});
    expect(taskSpec(simple).template.metadata).toStrictEqual({ runtime: RUNTIME, discoverable: true, discoveryVersion: "1" });
  });

  it("writes one resource set as both requests and limits of the container", () => {
    const sized = task({ name: "ts_sized", resources: { cpu: "500m", memory: "1Gi" } }, () => {});
    const both = [
      { name: "CPU", value: "500m" },
      { name: "MEMORY", value: "1Gi" },
    ];
    expect(taskSpec(sized).template.container).toStrictEqual({ ...runs("ts_sized", DEFAULT_IMAGE), resources: { requests: both, limits: both } });
  });

  it("writes separate requests and limits with Flyte's resource names", () => {
    const gpu = task(
      { name: "ts_gpu", image: "ghcr.io/acme/train:3", resources: { requests: { cpu: 2, memory: "4Gi", storage: "1Gi" }, limits: { gpu: 1, ephemeralStorage: "20Gi" } } },
      () => {},
    );
    expect(taskSpec(gpu).template.container).toStrictEqual({
      ...runs("ts_gpu", "ghcr.io/acme/train:3"),
      resources: {
        requests: [
          { name: "CPU", value: "2" },
          { name: "MEMORY", value: "4Gi" },
          { name: "STORAGE", value: "1Gi" },
        ],
        limits: [
          { name: "GPU", value: "1" },
          { name: "EPHEMERAL_STORAGE", value: "20Gi" },
        ],
      },
    });
  });

  it("leaves an empty list of limits out when only requests are given", () => {
    const requestsOnly = task({ name: "ts_requests_only", resources: { requests: { cpu: 1 } } }, () => {});
    expect(taskSpec(requestsOnly).template.container).toStrictEqual({ ...runs("ts_requests_only", DEFAULT_IMAGE), resources: { requests: [{ name: "CPU", value: "1" }] } });
  });

  it("writes the image and the command of aloft execute when no resources are asked for", () => {
    const imaged = task({ name: "ts_imaged", image: "python:3.12" }, () => {});
    expect(taskSpec(imaged).template.container).toStrictEqual(runs("ts_imaged", "python:3.12"));
  });

  it("gives every task a container with the compile option image, its own image first (flytekit core/python_auto_container.py get_default_command)", () => {
    const plain = task({ name: "ts_plain_image" }, () => {});
    expect(compile(plain, { ...TARGET, image: "ghcr.io/acme/flows:2" }).template?.container).toStrictEqual(runs("ts_plain_image", "ghcr.io/acme/flows:2"));
    expect(compile(plain, TARGET).template?.container).toBeUndefined();
    const own = task({ name: "ts_own_image", image: "python:3.12" }, () => {});
    expect(compile(own, { ...TARGET, image: "ghcr.io/acme/flows:2" }).template?.container?.image).toBe("python:3.12");
    expect(() => compile(plain, { image: "" })).toThrow(/compile option image must be a non-empty string/);
  });

  it("writes the description to the spec's DescriptionEntity", () => {
    const described = task({ name: "ts_described", description: "Adds things up." }, () => {});
    expect(taskSpec(described).description).toStrictEqual({ shortDescription: "Adds things up." });
  });

  it("writes every option at once and still round-trips", () => {
    const all = task(
      {
        name: "ts_all",
        inputs: { a: t.int, b: t.str },
        outputs: [t.int, t.str],
        retries: 1,
        timeout: "2h",
        interruptible: true,
        cache: { version: "9", serialize: false, ignoredInputs: ["b"] },
        resources: { cpu: 1 },
        image: "img:1",
        description: "all options",
      },
      ({ a, b }) => [a, b],
    );
    expect(taskSpec(all).template.metadata).toStrictEqual({
      runtime: RUNTIME,
      retries: { retries: 1 },
      timeout: { seconds: "7200" },
      interruptible: true,
      discoverable: true,
      discoveryVersion: "9",
      cacheIgnoreInputVars: ["b"],
    });
  });
});
