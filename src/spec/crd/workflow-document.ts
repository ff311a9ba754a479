// The workflow document as the CRDs carry it: `Workflow.spec` and a run's inline `spec.workflow`,
// both derived from `workflowSchema` (the one source of truth) by the structural conversion.
import { workflowSchema } from '../schema.ts';
import type { OpenApiSchema } from './openapi.ts';
import { toStructural, type JsonSchema } from './structural.ts';

/** Group levels typed under `spec.steps`; deeper steps are opaque to the API server. */
export const MAIN_STEP_DEPTH = 4;
/** Group levels typed under every other step list (prerequisites, hooks of the run, actions, …). */
export const OTHER_STEP_DEPTH = 2;
/** A step's own hooks; typed one level deep, and only in the main tree. */
const STEP_HOOKS = new Set(['on_failure', 'on_retry', 'fallback_steps']);

const TERSE_NOTE =
  'Its fields are those of a top-level step, described by `kubectl explain workflow.spec.steps`.';

const CUT_NOTE =
  'Nested too deep for the CRD schema: the API server keeps it as written and the controller validates it ' +
  '(see the Ready condition and status.findings).';

/**
 * Which steps the schema types. The JSON Schema is recursive and a CRD schema cannot be: every typed
 * level is a full copy of the step schema, and a step has four step lists, so inlining everything four
 * levels deep would weigh megabytes. The seed workflows nest two levels at most. So: the main tree is
 * typed four group levels deep, a step's hooks one level (main tree only), and every other step list
 * two group levels; below that a step is an opaque object that the controller checks with the full
 * JSON Schema. `via` is e.g. `['steps', 'steps', 'on_retry']`.
 */
export function isTypedStep(via: readonly string[]): boolean {
  const [first, ...rest] = via;
  const main = first === 'steps';
  const limit = main ? MAIN_STEP_DEPTH : OTHER_STEP_DEPTH;
  if (via.length > limit) return false;
  return rest.every((link, i) => link === 'steps' || (main && STEP_HOOKS.has(link) && i === rest.length - 1));
}

function convertDocument(): OpenApiSchema {
  const defs = (workflowSchema.$defs ?? {}) as Record<string, JsonSchema>;
  return toStructural(workflowSchema, {
    defs,
    expand: (_ref, via) => isTypedStep(via),
    cutNote: CUT_NOTE,
    // Field descriptions only on the first level of each list: a copy of the step schema weighs 7 KiB
    // with them and 2.5 KiB without, and the CRD must stay well under the 256 KiB that client-side
    // `kubectl apply` can store in its last-applied annotation.
    describe: (via) => via.length === 1,
    terseNote: TERSE_NOTE,
  });
}

function withoutKeys(schema: OpenApiSchema, drop: readonly string[]): OpenApiSchema {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).filter(([key]) => !drop.includes(key)),
  );
  const required = (schema.required ?? []).filter((key) => !drop.includes(key));
  const { required: _required, ...rest } = schema;
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
}

/**
 * `Workflow.spec`: the document without `name` (metadata.name is the one name; a second one in spec
 * could disagree with it, so the API server refuses it as an unknown field) and without `$schema`
 * (an editor hint for bare files).
 */
export function workflowSpecSchema(): OpenApiSchema {
  return {
    ...withoutKeys(convertDocument(), ['name', '$schema']),
    description:
      'The workflow: parameters, steps and what happens on failure, in the language of `conveyor run` ' +
      '(snake_case keys). The name is metadata.name.',
  };
}

/**
 * A run's inline `spec.workflow`: the bare document exactly as a file holds it, so `conveyor run FILE
 * --cluster` can send it unchanged; `name` is optional and defaults to the run's name.
 */
export function inlineWorkflowSchema(): OpenApiSchema {
  const document = convertDocument();
  return {
    ...document,
    required: (document.required ?? []).filter((key) => key !== 'name'),
    description:
      'An inline workflow document, as in a workflow file (instead of workflowRef). `name` is optional ' +
      "and defaults to the run's name.",
  };
}
