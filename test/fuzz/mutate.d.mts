/** Types of mutate.mjs for the TypeScript tests. */
export declare const READERS: Record<string, { ext: string; stdin?: boolean; seeds: string[] }>;
export declare function makeCase(reader: string, i: number, runSeed?: number): { how: string; bytes: Buffer };
