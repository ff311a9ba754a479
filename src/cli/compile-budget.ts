// How eagerly V8 optimises this process's code. V8's optimising compiler runs on background threads
// whose CPU time is this process's too, and its default thresholds suit pages and servers that run
// for hours: a command that lives for seconds rarely earns those compiles back. A local run of
// 1,000 steps of `true` spent ~0.19 s of its ~0.57 s of CPU in compile threads; with a budget 16
// times V8's, ~0.01 s, the main thread's own time unchanged. A function that stays hot is still
// optimised, only after more of its code has run (the budget counts bytecode executed between
// V8's checks of whether to optimise a function).
import { setFlagsFromString } from 'node:v8';

/**
 * Bytes of bytecode a function runs between V8's tier-up checks: 66 KiB by default in Node 20 (V8
 * 11.3), 132 KiB in later V8s. `--interrupt-budget` exists in every V8 Node supports: an unknown
 * flag would print an error on stderr.
 */
export const SHORT_LIVED_INTERRUPT_BUDGET = 1024 * 1024;

/** Commands that serve for hours: V8's defaults are tuned for them. */
const LONG_LIVED = new Set(['controller', 'ui']);

/** Raises the budget, unless `command` is a long-lived server. Call before the command's code runs. */
export function tuneCompilerFor(command: string | undefined): void {
  if (command !== undefined && LONG_LIVED.has(command)) return;
  setFlagsFromString(`--interrupt-budget=${SHORT_LIVED_INTERRUPT_BUDGET}`);
}
