// Module customization hooks (Node ≥ 20.6) that replace node:zlib, for every ES module, with one
// whose exports are node:zlib's minus crc32: a named import of crc32 then fails at link time,
// exactly as on Node 20.0 – 20.14.
import * as real from "node:zlib";

const SHIM = "embcheck-test:zlib-without-crc32";
const HIDDEN = new Set(["crc32", "default"]);

export async function resolve(specifier, context, next) {
  if ((specifier === "node:zlib" || specifier === "zlib") && context.parentURL !== SHIM) {
    return { url: SHIM, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url !== SHIM) return next(url, context);
  const names = Object.keys(real).filter((n) => !HIDDEN.has(n) && /^[A-Za-z_$][\w$]*$/.test(n));
  const source = [
    'import z from "node:zlib";',
    "const { crc32: _hidden, ...rest } = z;",
    "export default rest;",
    ...names.map((n) => `export const ${n} = z.${n};`),
  ].join("\n");
  return { format: "module", source, shortCircuit: true };
}
