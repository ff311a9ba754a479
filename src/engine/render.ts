// The engine's only door to the template language: commands rendered in shell mode, env in text
// mode, `when` conditions evaluated to a boolean. Each template source is parsed once per plan.
import { evaluateValue, hasTemplate, isTruthy, parseTemplate, renderTemplate } from '../template/index.ts';
import type { TemplateData } from '../template/index.ts';
import { parsedOnce } from './parse-cache.ts';
import type { Plan } from './types.ts';

export type Rendered<T> = { ok: true; value: T } | { ok: false; message: string };

const parsed = (plan: Plan, source: string) => parsedOnce(plan, source, parseTemplate);

/** Does a string hold template syntax at all? Plain commands skip the template layer. */
export function hasTemplateSyntax(source: string): boolean {
  return hasTemplate(source);
}

function render(
  plan: Plan,
  source: string,
  data: Readonly<Record<string, unknown>>,
  mode: 'shell' | 'text',
): Rendered<string> {
  const p = parsed(plan, source);
  if ('message' in p) return { ok: false, message: p.message };
  const r = renderTemplate(p.template, data as TemplateData, { mode });
  return r.ok ? r : { ok: false, message: r.error.message };
}

/** Values substituted into a command or script are shell-escaped (the template layer's shell mode). */
export function renderShell(
  plan: Plan,
  source: string,
  data: Readonly<Record<string, unknown>>,
): Rendered<string> {
  return render(plan, source, data, 'shell');
}

export function renderText(
  plan: Plan,
  source: string,
  data: Readonly<Record<string, unknown>>,
): Rendered<string> {
  return render(plan, source, data, 'text');
}

/**
 * A `when`/`condition`: its value's truthiness. A missing output reads as empty (lenient `outputs`),
 * so a condition on the output of a step that was skipped is simply false.
 */
export function evaluateCondition(
  plan: Plan,
  source: string,
  data: Readonly<Record<string, unknown>>,
): Rendered<boolean> {
  if (!hasTemplate(source)) return { ok: true, value: isTruthy(source) };
  const p = parsed(plan, source);
  if ('message' in p) return { ok: false, message: p.message };
  const r = evaluateValue(p.template, data as TemplateData, { lenient: ['outputs'] });
  return r.ok ? { ok: true, value: isTruthy(r.value) } : { ok: false, message: r.error.message };
}
