/** The text charts live in ../text/charts.ts (detect's section parts draw them too); re-exported for the renderers here. */
export * from "../text/charts.js";
