// Templates and expressions parsed once per plan: a plan never changes, and a run renders the same
// sources at every decision. Kept per plan (a WeakMap) so a finished run's cache goes with its plan.
import type { Template } from '../template/index.ts';
import type { Plan } from './types.ts';

export type Parsed = { template: Template } | { message: string };

type Parser = (source: string) => { template: Template } | { error: { message: string } };

const byPlan = new WeakMap<Plan, Map<Parser, Map<string, Parsed>>>();

export function parsedOnce(plan: Plan, source: string, parse: Parser): Parsed {
  let parsers = byPlan.get(plan);
  if (!parsers) byPlan.set(plan, (parsers = new Map()));
  let cache = parsers.get(parse);
  if (!cache) parsers.set(parse, (cache = new Map()));
  let entry = cache.get(source);
  if (!entry) {
    const r = parse(source);
    entry = 'template' in r ? { template: r.template } : { message: r.error.message };
    cache.set(source, entry);
  }
  return entry;
}
