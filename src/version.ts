import { createRequire } from "node:module";

// src/ and dist/ both sit one level below package.json.
const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export const VERSION: string = pkg.version;
