/**
 * Built-in threshold profiles (`--profile NAME` or `"profile"` in the config file). A profile sits
 * above the rules' defaults (src/detect/sections/) and below the config file and the command line.
 */
import type { Tolerance } from "./baseline.js";
import type { Overrides } from "./thresholds.js";

export interface GateProfile {
  name: string;
  description: string;
  /** By rule id (a misspelt id is a type error). */
  thresholds: Overrides;
  /** By baseline metric path; null turns the comparison off. */
  tolerances?: Record<string, Partial<Tolerance> | null>;
}

export const PROFILES: readonly GateProfile[] = [
  {
    name: "default",
    description: "the defaults of the rule registry, unchanged",
    thresholds: {},
  },
  {
    name: "unit-vectors",
    description:
      "for models that emit L2-normalised vectors: norm spread is moot (off), and an all-zero row cannot be a real output (fail)",
    thresholds: {
      "norm-spread": { warn: null, fail: null },
      "zero-rows": { fail: 1 },
    },
    tolerances: { "norms.cv": null },
  },
  {
    name: "strict",
    description:
      "for sets that feed a production index: every dirty row fails, and the geometric lines sit tighter (warn and fail) than the defaults",
    thresholds: {
      "zero-rows": { warn: null, fail: 1 },
      "null-rows": { warn: null, fail: 1 },
      "duplicate-rows": { warn: 0.001, fail: 0.01 },
      "norm-spread": { warn: 0.2, fail: 0.5 },
      anisotropy: { warn: 0.3, fail: 0.5 },
      collapse: { warn: 0.25, fail: 0.15 },
      "dominant-direction": { warn: 0.1, fail: 0.3 },
      "poor-uniformity": { warn: -2.5, fail: -1.5 },
      "poor-alignment": { warn: 0.8, fail: 1.2 },
    },
    tolerances: {
      "spectrum.effectiveRank": { relative: 0.1 },
      "norms.cv": { relative: 0.25 },
      "cosine.meanExact": { absolute: 0.05 },
      "uniformity.value": { absolute: 0.25 },
      "spectrum.dominantShare": { absolute: 0.05 },
    },
  },
  {
    name: "lenient",
    description:
      "for raw encoder outputs known to sit in a cone (e.g. BERT-style pooling before any whitening): anisotropy and uniformity only warn; the integrity and collapse checks stay",
    thresholds: {
      anisotropy: { warn: 0.8, fail: null },
      "poor-uniformity": { warn: -0.5, fail: null },
      "dominant-direction": { warn: 0.5, fail: null },
      "duplicate-rows": { warn: 0.05, fail: 0.5 },
    },
  },
];

export function profileNames(): string[] {
  return PROFILES.map((p) => p.name);
}

export function findProfile(name: string): GateProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}
