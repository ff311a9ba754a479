// The template language's public API: parse once, then render as text or for a shell, or evaluate
// to a typed value. Bad input never throws: problems come back as located TemplateErrors.
import type { Node } from './ast.ts';
import { Evaluation, soleAction } from './evaluate.ts';
import type { RenderMode } from './evaluate.ts';
import { lex } from './lexer.ts';
import type { TemplateLimits } from './limits.ts';
import { resolveLimits } from './limits.ts';
import { parse } from './parser.ts';
import { collectReferencedNames } from './references.ts';
import type { TemplateError } from './template-error.ts';
import { TemplateFailure } from './template-error.ts';

export type { TemplateError } from './template-error.ts';
export type { TemplateLimits } from './limits.ts';
export type { RenderMode } from './evaluate.ts';
export { DEFAULT_TEMPLATE_LIMITS } from './limits.ts';
export { isTruthy } from './truthiness.ts';
export { shellEscape } from './shell-escape.ts';
export { suggest } from './did-you-mean.ts';

export type TemplateData = Record<string, unknown>;

/** A parsed template; reusable and immutable. */
export interface Template {
  readonly source: string;
  readonly nodes: readonly Node[];
  /** The limits it was parsed with; rendering uses them unless given others. */
  readonly limits: TemplateLimits;
}

export interface RenderOptions {
  /** `shell` escapes every substituted value for the shell context it lands in; default `text`. */
  readonly mode?: RenderMode;
  readonly limits?: Partial<TemplateLimits>;
  /** Top-level names that may be missing, with missing fields, such as `outputs`. */
  readonly lenient?: readonly string[];
}

export type RenderResult = { ok: true; value: string } | { ok: false; error: TemplateError };
export type ValueResult = { ok: true; value: unknown } | { ok: false; error: TemplateError };

export function parseTemplate(
  source: string,
  limits?: Partial<TemplateLimits>,
): { template: Template } | { error: TemplateError } {
  const resolved = resolveLimits(limits);
  if (source.length > resolved.maxSourceLength) {
    return {
      error: {
        message: `template is too long: ${source.length} characters, the limit is ${resolved.maxSourceLength}`,
        offset: resolved.maxSourceLength,
        length: source.length - resolved.maxSourceLength,
      },
    };
  }
  return guard<{ template: Template } | { error: TemplateError }>(
    source,
    () => ({ template: Object.freeze({ source, nodes: parse(lex(source), resolved), limits: resolved }) }),
    (error) => ({ error }),
  );
}

export function renderTemplate(
  template: Template,
  data: TemplateData,
  options?: RenderOptions,
): RenderResult {
  return guard<RenderResult>(
    template.source,
    () => ({ ok: true, value: evaluation(template, data, options).render(template.nodes) }),
    (error) => ({ ok: false, error }),
  );
}

/**
 * The typed value (boolean, number, list, object, …) when the template is exactly one action with
 * only whitespace around it, such as `{{ .environment == 'production' }}`; otherwise the rendered string.
 */
export function evaluateValue(template: Template, data: TemplateData, options?: RenderOptions): ValueResult {
  return guard<ValueResult>(
    template.source,
    () => {
      const run = evaluation(template, data, options);
      const action = soleAction(template.nodes);
      return { ok: true, value: action === null ? run.render(template.nodes) : run.value(action) };
    },
    (error) => ({ ok: false, error }),
  );
}

/** Top-level names the template reads from its data: `.outputs.status` → `outputs`. */
export function referencedNames(template: Template): Set<string> {
  return collectReferencedNames(template.nodes);
}

export function hasTemplate(s: string): boolean {
  return s.includes('{{');
}

function evaluation(template: Template, data: TemplateData, options: RenderOptions | undefined): Evaluation {
  const root = typeof data === 'object' && data !== null ? data : {};
  return new Evaluation(root, {
    mode: options?.mode ?? 'text',
    limits: resolveLimits(template.limits, options?.limits),
    lenient: new Set(options?.lenient ?? []),
  });
}

/** Turns located failures, and a stack overflow from data nested beyond reason, into returned errors. */
function guard<T>(source: string, work: () => T, failure: (error: TemplateError) => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof TemplateFailure) return failure(error.toError(source.length));
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return failure({ message: 'template or data nests too deeply to evaluate', offset: 0, length: 0 });
    }
    throw error;
  }
}
