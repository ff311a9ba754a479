// Helpers shared by the template tests: parse-or-fail, render and evaluate in one call.
import assert from 'node:assert/strict';
import { evaluateValue, parseTemplate, renderTemplate } from '../../../src/template/index.ts';
import type { RenderOptions, Template, TemplateData, TemplateError } from '../../../src/template/index.ts';

export function parsed(source: string): Template {
  const result = parseTemplate(source);
  if ('error' in result)
    assert.fail(`expected ${JSON.stringify(source)} to parse, got: ${result.error.message}`);
  return result.template;
}

export function parseError(source: string): TemplateError {
  const result = parseTemplate(source);
  if (!('error' in result)) return assert.fail(`expected ${JSON.stringify(source)} not to parse`);
  return result.error;
}

export function render(source: string, data: TemplateData = {}, options?: RenderOptions): string {
  const result = renderTemplate(parsed(source), data, options);
  if (!result.ok) assert.fail(`expected ${JSON.stringify(source)} to render, got: ${result.error.message}`);
  return result.value;
}

export function renderError(source: string, data: TemplateData = {}, options?: RenderOptions): TemplateError {
  const result = renderTemplate(parsed(source), data, options);
  if (result.ok)
    return assert.fail(
      `expected ${JSON.stringify(source)} to fail, rendered ${JSON.stringify(result.value)}`,
    );
  return result.error;
}

export function value(source: string, data: TemplateData = {}, options?: RenderOptions): unknown {
  const result = evaluateValue(parsed(source), data, options);
  if (!result.ok) assert.fail(`expected ${JSON.stringify(source)} to evaluate, got: ${result.error.message}`);
  return result.value;
}

/** The source text an error points at. */
export function pointedAt(source: string, error: TemplateError): string {
  return source.slice(error.offset, error.offset + error.length);
}
