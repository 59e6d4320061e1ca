/** `--auto`'s rules (src/repair/auto.ts): never more directions removed than carry signal. */
import { describe, expect, test } from "vitest";
import type { Finding } from "../../src/detect/types.js";
import { choosePipeline } from "../../src/repair/auto.js";
import { formatPipeline } from "../../src/repair/spec.js";

const finding = (id: string, severity: Finding["severity"] = "fail"): Finding => ({
  id,
  severity,
  metric: "m",
  value: 1,
  threshold: 0.5,
  message: "",
  hint: "",
});
const auto = (ids: string[], dims: number, signal?: number) =>
  formatPipeline(
    choosePipeline(
      ids.map((id) => finding(id)),
      dims,
      signal,
    ).steps,
  );

describe("choosePipeline", () => {
  test("a dominant direction in 768 dims with every dim carrying signal removes round(768/100) = 8", () => {
    expect(auto(["dominant-direction"], 768)).toBe("abtt:8,l2");
  });

  test("with 3 signal directions abtt removes at most 2, so one signal direction is left", () => {
    expect(auto(["dominant-direction"], 768, 3)).toBe("abtt:2,l2");
  });

  test("with a single signal direction nothing is removed: the mean is, and the reason says why", () => {
    const c = choosePipeline([finding("dominant-direction")], 768, 1);
    expect(formatPipeline(c.steps)).toBe("center,l2");
    expect(c.reasons[0]).toContain("only 1 direction(s) above the noise floor");
  });

  test("collapse takes the collapse hint center,pca:0.99 whatever else is found", () => {
    expect(auto(["collapse", "dominant-direction", "norm-spread"], 768, 3)).toBe("center,pca:0.99,l2");
  });

  test("an info-level collapse is not acted on", () => {
    const c = choosePipeline([finding("collapse", "info")], 768, 3);
    expect(c.steps).toHaveLength(0);
  });
});
