// Types of dist-stamp.mjs for the TypeScript that imports it (the bench builds dist/ only when stale).
export declare const STAMP: string;
export declare function writeStamp(root: string, files: readonly string[]): void;
export declare function isDistFresh(root: string): boolean;
