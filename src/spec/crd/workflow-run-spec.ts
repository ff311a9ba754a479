// `WorkflowRun.spec`: what to run (a Workflow by reference, or inline), the run options, and the three
// things a person may change on a live run: approvals, cancel and a rollback request. The CEL rules
// make the API server enforce that at admission.
import { boolean, integer, mapOf, object, string, type CelRule, type OpenApiSchema } from './openapi.ts';
import { inlineWorkflowSchema } from './workflow-document.ts';

/** Fields a person may change after creating a run; every other spec field is immutable. */
export const MUTABLE_RUN_FIELDS = ['approvals', 'cancel', 'rollback'] as const;
/** Fields that may be set once and never unset: the request cannot be taken back. */
const ONE_WAY_FLAGS = ['cancel', 'rollback'] as const;

const OBJECT_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DURATION = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d|w))+$|^[0-9]+(\\.[0-9]+)?$';

function approvalsSchema(): OpenApiSchema {
  const decision = object(
    {
      decision: string('approved or rejected.', { enum: ['approved', 'rejected'] }),
      comment: string('Why, for the record.', { maxLength: 4096 }),
    },
    { required: ['decision'] },
  );
  // Bounded so that CEL and admission-policy cost estimates over these maps stay finite.
  return mapOf(
    mapOf(decision, {
      description:
        'Decisions on one step, keyed by user name. The admission policy lets each person write only ' +
        'the entry keyed by their own name, and only for a step that awaits approval and lists them.',
      maxProperties: 64,
    }),
    {
      description:
        'Approvals of gated steps: {STEP: {USER: {decision: approved|rejected, comment}}}. Approve with ' +
        '`kubectl patch wfr RUN --type merge -p \'{"spec":{"approvals":{"STEP":{"ME":{"decision":"approved"}}}}}\'` ' +
        'or `conveyor approve RUN STEP`. Keyed by user so that two people approving at once never ' +
        "overwrite each other's entry.",
      maxProperties: 512,
    },
  );
}

/** One rule per immutable field, so the refusal names the field that changed. */
function immutabilityRules(fields: readonly string[]): CelRule[] {
  return fields.map((field) => ({
    // `has` on both sides: adding or removing the field is a change too.
    rule: `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`,
    message: `spec.${field} cannot change once the run exists (only approvals, cancel and rollback can): create a new WorkflowRun instead`,
    fieldPath: `.${field}`,
    reason: 'FieldValueForbidden',
  }));
}

function oneWayRules(): CelRule[] {
  return ONE_WAY_FLAGS.map((flag) => ({
    rule: `!has(oldSelf.${flag}) || !oldSelf.${flag} || (has(self.${flag}) && self.${flag})`,
    message: `spec.${flag} cannot go back to false once it is true: the request has been made`,
    fieldPath: `.${flag}`,
    reason: 'FieldValueForbidden',
  }));
}

export function workflowRunSpecSchema(): OpenApiSchema {
  const properties: Record<string, OpenApiSchema> = {
    workflowRef: object(
      {
        name: string('The Workflow, in the namespace of the run.', { maxLength: 253, pattern: OBJECT_NAME }),
      },
      {
        description:
          'The Workflow to run. The run pins the workflow as it is when the run starts: editing or ' +
          'deleting the Workflow later never changes this run.',
        required: ['name'],
      },
    ),
    workflow: inlineWorkflowSchema(),
    parameters: {
      type: 'object',
      description:
        'Parameter values by name (like `conveyor run --set`); the controller checks them against the ' +
        "workflow's parameters.",
      'x-kubernetes-preserve-unknown-fields': true,
    },
    environment: string('The `.environment` of the run (like `conveyor run --env`).'),
    parallel: integer('The most steps running at once; lowers resource_limits.max_parallel.', { minimum: 1 }),
    continueOnError: boolean(
      'Keep going after a step fails, like make -k: steps that do not depend on it go on, its dependents are skipped (error_handling.strategy continue_on_error).',
    ),
    timeout: string('Overall time limit of the run, such as "30m" or "2h"; overrides the workflow\'s.', {
      pattern: DURATION,
    }),
    dryRun: boolean('Render and plan every step without running any.'),
    resumeFrom: string(
      'A previous run of the same workflow to resume: its succeeded steps are kept, the rest run again.',
      { maxLength: 253, pattern: OBJECT_NAME },
    ),
    cancel: boolean('Set to true to cancel the run: running steps are stopped. Cannot be undone.'),
    rollback: boolean("Set to true on a failed run to run the workflow's rollback steps. Cannot be undone."),
    approvals: approvalsSchema(),
  };
  const immutable = Object.keys(properties).filter(
    (key) => !(MUTABLE_RUN_FIELDS as readonly string[]).includes(key),
  );
  return object(properties, {
    description:
      'What to run (workflowRef or an inline workflow) and how. Immutable once created, except ' +
      'approvals, cancel and rollback.',
    'x-kubernetes-validations': [
      {
        rule: 'has(self.workflowRef) != has(self.workflow)',
        message:
          'set exactly one of spec.workflowRef (a Workflow in this namespace) and spec.workflow (inline)',
      },
      ...immutabilityRules(immutable),
      ...oneWayRules(),
    ],
  });
}
