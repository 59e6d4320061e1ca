// `node --import ./register.mjs ...`: runs the program as on a Node 20 before 20.15, whose
// node:zlib has no crc32 export (the hooks below serve node:zlib without it).
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
