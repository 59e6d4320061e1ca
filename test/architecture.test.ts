/**
 * The layers of docs/ARCHITECTURE.md, enforced: every import under src/ (static, `export … from`,
 * dynamic `import()`, `typeof import()`) is read with the TypeScript parser and checked for cycles
 * and for arrows that point away from the core.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { ROOT } from "./cli/helpers.js";

const SRC = join(ROOT, "src");

interface Arrow {
  from: string;
  /** A path under src/ ("detect/rules.ts"), or a bare specifier ("node:fs", "chalk"). */
  to: string;
  /** Every name it brings in is a type: erased at run time. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

function target(file: string, spec: string): string {
  if (!spec.startsWith(".")) return spec;
  return relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, ".ts");
}

/** The imports of one file, and whether it reads `process.env` (or `process` at all). */
function scan(file: string): { arrows: Arrow[]; process: string[] } {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const from = relative(SRC, file);
  const arrows: Arrow[] = [];
  const processUses: string[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (spec && ts.isStringLiteralLike(spec)) arrows.push({ from, to: target(file, spec.text), typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly =
        c !== undefined &&
        (c.isTypeOnly || (!c.name && named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node.moduleSpecifier, node.isTypeOnly || named?.every((e) => e.isTypeOnly) === true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal, true);
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      if (node.expression.text === "process") processUses.push(`process.${node.name.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { arrows, process: processUses };
}

const files = sourceFiles(SRC);
const scanned = new Map(files.map((f) => [relative(SRC, f), scan(f)]));
const arrows = [...scanned.values()].flatMap((s) => s.arrows);

/** The top folder of a path under src/ ("detect"), or the file for top-level files ("api.ts"). */
const layer = (path: string) => path.split("/")[0];
const CORE = new Set(["profile", "detect", "repair", "report", "linalg", "gate", "text", "compare"]);
const NODE_IO = ["node:fs", "node:fs/promises", "node:child_process", "node:worker_threads"];
const isInternal = (to: string) => scanned.has(to);

/** Arrows allowed although the rules forbid them (none today; say why beside each one added). */
const KNOWN: readonly string[] = [];

/** Why an arrow is forbidden, or null when it is allowed. */
function forbidden(a: Arrow): string | null {
  const src = layer(a.from);
  if (CORE.has(src)) {
    if (NODE_IO.includes(a.to)) return "the core is pure: only src/io touches files, src/parallel threads";
    if (isInternal(a.to)) {
      const dst = layer(a.to);
      if (dst === "cli") return "the core must not import the CLI";
      if (dst === "api.ts" || dst === "index.ts") return "the core must not import the I/O-doing library API";
      if (dst === "io" && !a.typeOnly) return "the core may take io's types, not its code";
      if (src === "detect" && dst === "report") return "detect must not import report (report renders detect's data)";
      if (src === "gate" && a.to === "report/terminal.ts") return "gate must not import the terminal renderer";
      if (src === "text" && dst !== "text") return "text holds leaf helpers: it imports nothing else";
    }
  }
  if (src === "io" && isInternal(a.to)) {
    const dst = layer(a.to);
    const ok = dst === "io" || a.to === "errors.ts" || a.to === "linalg/matrix.ts" || (dst === "linalg" && a.typeOnly);
    if (!ok) return "io may use only errors, the matrix type and itself";
  }
  return null;
}

function violations(): string[] {
  const out: string[] = [];
  for (const a of arrows) {
    const why = forbidden(a);
    if (why) out.push(`${a.from} → ${a.to}${a.typeOnly ? " (type)" : ""}: ${why}`);
  }
  for (const [from, s] of scanned) {
    if (!CORE.has(layer(from))) continue;
    for (const use of new Set(s.process)) {
      const what = use === "process.env" ? "process.env" : "process";
      out.push(`${from} → ${what}: only src/cli reads the process (${use})`);
    }
  }
  return out;
}

/**
 * The strongly connected components of the internal import graph (types included) that hold a
 * cycle (Tarjan 1972), each as "cycle a → b → … → a": one cycle through its members, in sorted order.
 */
function cycles(): string[] {
  const next = new Map<string, string[]>();
  for (const a of arrows) if (isInternal(a.to)) next.set(a.from, [...(next.get(a.from) ?? []), a.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[] = [];
  const strong = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const members: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      members.push(w);
    } while (w !== v);
    const selfLoop = (next.get(v) ?? []).includes(v);
    if (members.length > 1 || selfLoop) out.push(`cycle ${loopThrough(members.sort(), next)}`);
  };
  for (const f of [...scanned.keys()].sort()) if (!index.has(f)) strong(f);
  return out;
}

/** A path from the first member back to itself inside the component (breadth-first, so short). */
function loopThrough(members: string[], next: Map<string, string[]>): string {
  const inside = new Set(members);
  const start = members[0];
  const came = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(came.get(path[0])!);
        return [...path, start].join(" → ");
      }
      if (!came.has(w)) {
        came.set(w, v);
        queue.push(w);
      }
    }
  }
  return start;
}

const key = (v: string) => v.replace(/ \(type\)/, "").replace(/: .*$/, "");

describe("the import graph of src/", () => {
  test("the scanner sees the imports it must judge (static, re-export, dynamic, type-only)", () => {
    const has = (from: string, to: string, typeOnly?: boolean) =>
      arrows.some((a) => a.from === from && a.to === to && (typeOnly === undefined || a.typeOnly === typeOnly));
    expect(has("io/open.ts", "io/arrow.ts", false)).toBe(true); // import("./arrow.js")
    expect(has("index.ts", "api.ts", false)).toBe(true); // export { … } from
    expect(has("io/inputs.ts", "node:fs", true)).toBe(true); // import("node:fs").Dirent in a type
    expect(has("report/json.ts", "report/types.ts", true)).toBe(true); // import type
    expect(scanned.get("cli/fix.ts")?.process).toContain("process.on");
  });

  test("has no import cycle", () => {
    const unexpected = cycles().filter((c) => !KNOWN.includes(c));
    expect(unexpected, `import cycles:\n  ${unexpected.join("\n  ")}`).toEqual([]);
  });

  test("has no arrow out of its layer: the core imports no CLI, API, io code, fs, threads or process", () => {
    const unexpected = violations().filter((v) => !KNOWN.includes(key(v)));
    expect(unexpected, `forbidden imports:\n  ${unexpected.join("\n  ")}`).toEqual([]);
  });

  test("every known exception still exists (delete an entry once its arrow is gone)", () => {
    const present = new Set([...violations().map(key), ...cycles()]);
    expect(KNOWN.filter((k) => !present.has(k))).toEqual([]);
  });
});
