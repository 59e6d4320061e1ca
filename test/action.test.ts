/**
 * Lints the composite action (action.yml) as YAML: every `uses:` pinned by a 40-hex commit with its
 * tag in a comment, a current Node by default, the checkout installed with `npm ci` from the
 * lockfile, an npm cache keyed on that lockfile, shell steps that declare bash and never paste an
 * input into a script. Its run: scripts are exercised in test/cli/check-action.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse, parseDocument } from "yaml";
import { ROOT } from "./cli/helpers.js";

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

const TEXT = readFileSync(join(ROOT, "action.yml"), "utf8");
const action = parse(TEXT) as {
  inputs: Record<string, { description: string; required: boolean; default?: string }>;
  runs: { using: string; steps: Step[] };
};
const steps = action.runs.steps;
/** A GitHub expression, `${{ body }}` (built so no string literal looks like a JS template). */
const expr = (body: string) => `$${"{{"} ${body} }}`;

describe("action.yml", () => {
  test("parses as YAML without errors or warnings, as a composite action", () => {
    const doc = parseDocument(TEXT);
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
    expect(action.runs.using).toBe("composite");
  });

  test("pins every action it uses by a full commit SHA, with the release tag in a comment", () => {
    const uses = steps.filter((s) => s.uses).map((s) => s.uses!);
    expect(uses.length).toBeGreaterThanOrEqual(2);
    for (const u of uses) expect(u, u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const u of uses) expect(TEXT, u).toMatch(new RegExp(`uses: ${u} # v\\d+\\.\\d+\\.\\d+\\n`));
    expect(uses).toContain("actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020");
  });

  test("sets up a current Node by default (an LTS at least 22), passed through from the input", () => {
    expect(Number(action.inputs["node-version"].default)).toBeGreaterThanOrEqual(22);
    const setup = steps.find((s) => s.uses?.startsWith("actions/setup-node@"))!;
    expect(setup.with?.["node-version"]).toBe(expr("inputs.node-version"));
  });

  test("installs the action's checkout with npm ci from its lockfile, without install scripts, then builds", () => {
    const install = steps.find((s) => s.name === "Install embcheck")!;
    expect(install.run).toMatch(/npm ci --prefix "\$GITHUB_ACTION_PATH" --ignore-scripts/);
    expect(install.run).toMatch(/npm run build --prefix "\$GITHUB_ACTION_PATH"/);
    expect(install.run).not.toMatch(/npm install(?! --global --ignore-scripts)/);
    expect(readFileSync(join(ROOT, "package-lock.json"), "utf8")).toContain('"lockfileVersion": 3');
  });

  test("caches ~/.npm under a key made from the action's lockfile hash, before the install", () => {
    const lock = steps.findIndex((s) => s.id === "lock");
    const cache = steps.findIndex((s) => s.uses?.startsWith("actions/cache@"));
    const install = steps.findIndex((s) => s.name === "Install embcheck");
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(steps[lock].run).toContain('sha256sum "$GITHUB_ACTION_PATH/package-lock.json"');
    expect(steps[cache].with).toEqual({
      path: "~/.npm",
      key: `embcheck-npm-${expr("runner.os")}-${expr("steps.lock.outputs.hash")}`,
    });
    expect(lock < cache && cache < install).toBe(true);
  });

  test("every run: step declares bash and takes inputs only through env, never pasted into the script", () => {
    for (const s of steps.filter((x) => x.run)) {
      expect(s.shell, s.name).toBe("bash");
      expect(s.run, s.name).not.toContain("${{");
    }
  });

  test("every input has a description; only files is required", () => {
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    expect(
      Object.entries(action.inputs)
        .filter(([, i]) => i.required)
        .map(([n]) => n),
    ).toEqual(["files"]);
  });
});
