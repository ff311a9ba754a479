// `WorkflowRun.status`, written only by the controller through the status subresource: phase and
// conditions, progress, one compact entry per step, outputs, approvals (who may decide, and who did).
import { conditionsSchema } from './conditions.ts';
import {
  arrayOf,
  boolean,
  freeObject,
  integer,
  mapOf,
  object,
  string,
  timestamp,
  type OpenApiSchema,
} from './openapi.ts';
import { breakersSchema, observedGenerationSchema, runPhaseSchema } from './workflow-status.ts';

function progressSchema(): OpenApiSchema {
  return object(
    {
      done: integer('Steps finished (succeeded, failed, skipped, fell back or cancelled).', { minimum: 0 }),
      total: integer('Steps in the run.', { minimum: 0 }),
      percent: integer('done / total, in percent.', { minimum: 0, maximum: 100 }),
      summary: string('"done/total", as the Progress column shows it.'),
      eta: timestamp('Estimated finish time, from the durations seen so far.'),
    },
    { description: 'How far the run is.' },
  );
}

function stepEntrySchema(): OpenApiSchema {
  return object(
    {
      phase: string(
        'Pending, Waiting, AwaitingApproval, Running, Retrying, Succeeded, Failed, Skipped, FellBack or Cancelled.',
      ),
      attempts: integer('Attempts started so far, hooks included.', { minimum: 0 }),
      job: string('The Job of the current or last attempt.'),
      startedAt: timestamp('When the first attempt started.'),
      finishedAt: timestamp('When the step finished.'),
      exitCode: integer('Exit code of the last attempt.'),
      reason: string('Why the step is in this phase, such as ExitCode, TimedOut or DependencyFailed.'),
      message: string('Details for people, kept short.'),
    },
    { required: ['phase'] },
  );
}

function approvalRequestSchema(): OpenApiSchema {
  const names = (description: string) => arrayOf(string(), { description, maxItems: 256 });
  return object(
    {
      requestedAt: timestamp('When the step started waiting.'),
      expiresAt: timestamp('When the request is rejected automatically (approval_timeout).'),
      users: names('Users who may approve; with groups empty too, anyone allowed to patch the run may.'),
      groups: names('Groups whose members may approve.'),
      required: integer('How many distinct people must approve.', { minimum: 1 }),
      allowSelfApproval: boolean('Whether the creator of the run may approve it (default false).'),
      outcome: string('Set once decided; from then on, decisions on the step can no longer change.', {
        enum: ['approved', 'rejected', 'expired'],
      }),
      digest: string(
        "Digest of the step's exact definition (command or script, image, env, approvers, " +
          'approvals required) and of the run inputs: decisions count for this definition only.',
      ),
      decided: mapOf(
        object(
          {
            decision: string('approved or rejected.', { enum: ['approved', 'rejected'] }),
            comment: string('The comment given with it.'),
            at: timestamp('When the controller saw the decision.'),
            counted: boolean('False when it did not count (not an allowed approver).'),
            inheritedFrom: string(
              'The run this decision carried over from (spec.resumeFrom, for the very same definition).',
            ),
            withdrawn: boolean('Withdrawn after it was used: it still explains why the step ran.'),
          },
          { required: ['decision'] },
        ),
        { description: 'Decisions seen so far, by user.' },
      ),
    },
    {
      description:
        'One gated step. The approval admission policy reads users, groups and allowSelfApproval ' +
        'from here, so only the controller (through the status subresource) decides who may approve.',
    },
  );
}

export function workflowRunStatusSchema(): OpenApiSchema {
  return object(
    {
      phase: runPhaseSchema('Pending, Running, AwaitingApproval, Succeeded, Failed or Cancelled.'),
      reason: string('Why the run is in this phase, as a CamelCase word.'),
      message: string('Why, as a sentence.'),
      conditions: conditionsSchema(
        'Ready, Reconciling and Stalled for kstatus; Succeeded, Degraded and AwaitingApproval',
      ),
      observedGeneration: observedGenerationSchema(),
      startedAt: timestamp('When the first step started.'),
      finishedAt: timestamp('When the run finished.'),
      progress: progressSchema(),
      steps: mapOf(stepEntrySchema(), { description: 'One compact entry per step, by step name.' }),
      outputs: mapOf(string(), {
        description: 'Captured outputs (capture_output) by name; large ones are in outputsConfigMap.',
      }),
      outputsConfigMap: string('A ConfigMap owned by the run holding outputs too large for status.'),
      approvals: mapOf(approvalRequestSchema(), { description: 'Approval requests by step name.' }),
      creator: string(
        'Who created the run, from its conveyor.dev/created-by annotation (checked by the admission policy).',
      ),
      workflowGeneration: integer('The metadata.generation of the Workflow the run pinned.', {
        format: 'int64',
      }),
      stepsOmitted: integer(
        'In runs of more than 500 steps, how many steps status.steps leaves out (succeeded at the first try, or not started yet).',
      ),
      workflowName: string(
        'The name of the workflow the run executes (the Workflow, or the inline workflow).',
      ),
      pinnedWorkflow: string(
        'The ConfigMap (or content hash) holding the workflow exactly as the run started it.',
      ),
      pinnedDigest: string(
        'The sha256 digest of the pinned workflow, recorded when the run started: a pin that no longer matches it stops the run (PinTampered).',
      ),
      jobsOwed: arrayOf(string('A Job name.', { maxLength: 63 }), {
        description:
          'Jobs of attempts in flight that the API server refused for now (a quota): created again later. Any other attempt whose Job is gone is never given a new one.',
        maxItems: 1000,
      }),
      breakers: breakersSchema('Circuit breakers as this run left them (copied to the Workflow).'),
      alerts: arrayOf(
        object(
          {
            name: string('The alert: its name, else its condition.'),
            severity: string('As the workflow declares it (default warning).'),
            condition: string('The condition that became true.'),
            message: string('What was reported.'),
            firedAt: timestamp('When it fired.'),
          },
          { required: ['name'] },
        ),
        {
          description: 'monitoring.alerts that fired during or after the run; each fires once per run.',
          maxItems: 256,
        },
      ),
      notifications: mapOf(string('Sent, Partial, Failed, Dropped or Skipped.'), {
        description:
          'Notification results by event (started, requires_approval:STEP, alert:NAME, completed, failed, ' +
          'rolled_back:TRIGGER). Recorded once every channel settled: an event missing here is (re)sent.',
      }),
      engine: freeObject("The engine's own state, for crash-safe resumption; not an interface."),
    },
    { description: 'What the controller observed; written through the status subresource only.' },
  );
}
