// The sandbox bounds for parsing and evaluating a template, their defaults, and the budgets derived
// from them, so that no template can hang, exhaust memory or overflow the stack.

export interface TemplateLimits {
  /** Longest template source accepted, in characters. */
  maxSourceLength: number;
  /**
   * Deepest nesting accepted: control structures, parentheses, list literals and `not` when parsing;
   * nested lists and objects walked when comparing or formatting values.
   */
  maxDepth: number;
  /** Most loop iterations one evaluation may run, summed over every `range`. */
  maxIterations: number;
  /** Largest output one evaluation may produce, in UTF-8 bytes; also the largest string a function may build. */
  maxOutputBytes: number;
}

export const DEFAULT_TEMPLATE_LIMITS: Readonly<TemplateLimits> = Object.freeze({
  maxSourceLength: 256 * 1024,
  maxDepth: 100,
  maxIterations: 100_000,
  maxOutputBytes: 1024 * 1024,
});

/** The widest field or longest precision `printf` accepts (`%10000d` is fine, `%99999999d` is a bomb). */
export const MAX_PRINTF_WIDTH = 10_000;

/** Evaluation steps allowed per loop iteration, on top of a fixed allowance for loop-free templates. */
const STEPS_PER_ITERATION = 20;
const BASE_STEPS = 200_000;
/** Characters and items functions may process or build in total, as a multiple of the output limit. */
const WORK_FACTOR = 4;

/** Merges partial limits over the defaults, left to right; values that are not non-negative numbers are ignored. */
export function resolveLimits(...layers: (Partial<TemplateLimits> | undefined)[]): TemplateLimits {
  const limits: TemplateLimits = { ...DEFAULT_TEMPLATE_LIMITS };
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const key of Object.keys(DEFAULT_TEMPLATE_LIMITS) as (keyof TemplateLimits)[]) {
      const value = layer[key];
      if (typeof value === 'number' && value >= 0 && !Number.isNaN(value)) limits[key] = Math.floor(value);
    }
  }
  return limits;
}

/** Total expression and node evaluations one evaluation may perform. */
export function maxSteps(limits: TemplateLimits): number {
  return BASE_STEPS + STEPS_PER_ITERATION * limits.maxIterations;
}

/** Total characters and items functions may process or build in one evaluation. */
export function maxWork(limits: TemplateLimits): number {
  return WORK_FACTOR * limits.maxOutputBytes;
}
