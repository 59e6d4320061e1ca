/** Number formatting lives in ../text/format.ts (detect's messages use it too); re-exported for the renderers here. */
export * from "../text/format.js";
