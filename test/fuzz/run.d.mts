/** Types of run.mjs for the TypeScript tests. */
export declare const CLASSES: readonly string[];
export interface Defect {
  reader: string;
  i: number;
  how: string;
  cls: string;
  line: string;
}
export declare function runFuzz(opts?: {
  per?: number;
  readers?: string[];
  seed?: number;
  jobs?: number;
  timeoutMs?: number;
  memMb?: number;
}): Promise<{ counts: Record<string, Record<string, number>>; defects: Defect[]; peakMb: number }>;
export declare function table(counts: Record<string, Record<string, number>>): string;
