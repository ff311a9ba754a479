// Proof that a rewritten command renders exactly as the original did: both are rendered the way
// the engine renders commands (shell mode), with the workflow's resolved inputs plus the values of
// the parameters introduced so far.
import type { Workflow } from '../../spec/model.ts';
import { BUILTIN_NAMES, resolveRunContext } from '../../spec/run-context.ts';
import { namesReadByTemplates } from '../../spec/workflow-references.ts';
import { parseTemplate, renderTemplate } from '../../template/index.ts';
import type { TemplateData } from '../../template/index.ts';

export type SameRendering = (
  before: string,
  beforeValues: Readonly<Record<string, unknown>>,
  after: string,
  afterValues: Readonly<Record<string, unknown>>,
) => boolean;

const RUN_ID = 'template-generate-check';

export function renderingComparer(workflow: Workflow): SameRendering {
  const resolved = resolveRunContext(workflow, { parameters: {}, runId: RUN_ID });
  // A workflow that needs inputs to start (a required parameter, a validation expression) still
  // renders: names without a value read as empty, the same on both sides of the comparison.
  const base: TemplateData = resolved.ok ? resolved.context : fallbackContext(workflow);
  const lenient = [...namesReadByTemplates(workflow), ...BUILTIN_NAMES];
  const render = (source: string, values: Readonly<Record<string, unknown>>): string | undefined => {
    const parsed = parseTemplate(source);
    if ('error' in parsed) return undefined;
    const r = renderTemplate(parsed.template, { ...base, ...values }, { mode: 'shell', lenient });
    return r.ok ? r.value : undefined;
  };
  return (before, beforeValues, after, afterValues) => {
    const a = render(before, beforeValues);
    return a !== undefined && a === render(after, afterValues);
  };
}

function fallbackContext(workflow: Workflow): TemplateData {
  const defaults = Object.fromEntries(
    workflow.parameters.filter((p) => p.default !== undefined).map((p) => [p.name, p.default]),
  );
  return {
    ...defaults,
    environment: typeof defaults.environment === 'string' ? defaults.environment : '',
    outputs: {},
    workflow_id: RUN_ID,
    workflow: {
      name: workflow.name,
      version: workflow.version ?? '',
      description: workflow.description ?? '',
    },
    run: { id: RUN_ID },
  };
}
