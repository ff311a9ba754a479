// `Workflow.status`: whether the workflow is valid (with the same located findings as `conveyor
// validate`), circuit-breaker state carried across runs, the last run and the schedules' next times.
import { conditionsSchema } from './conditions.ts';
import {
  arrayOf,
  boolean,
  integer,
  mapOf,
  object,
  string,
  timestamp,
  type OpenApiSchema,
} from './openapi.ts';

const RUN_PHASES = ['Pending', 'Running', 'AwaitingApproval', 'Succeeded', 'Failed', 'Cancelled'];

/** The run phases, in the order a run goes through them (`status.phase` of a WorkflowRun). */
export function runPhaseSchema(description: string): OpenApiSchema {
  return string(description, { enum: RUN_PHASES });
}

export function observedGenerationSchema(): OpenApiSchema {
  return integer('The metadata.generation the controller last acted on.', { format: 'int64', minimum: 0 });
}

/** Values are the engine's own (`closed`, `open`, `half_open`), so nothing translates them. */
export function breakersSchema(description: string): OpenApiSchema {
  return mapOf(
    object(
      {
        state: string('closed (steps run), open (fallbacks run instead) or half_open (one trial run).', {
          enum: ['closed', 'open', 'half_open'],
        }),
        failures: integer('Consecutive failures counted while closed.', { minimum: 0 }),
        openedAt: timestamp('When the breaker last opened.'),
      },
      { required: ['state'] },
    ),
    { description, maxProperties: 256 },
  );
}

function findingsSchema(): OpenApiSchema {
  return arrayOf(
    object(
      {
        severity: string('error or warning.', { enum: ['error', 'warning'] }),
        code: string('A stable code such as unknown-key or dependency-cycle.'),
        message: string('What is wrong and, when likely, how to fix it.'),
        path: string('The field, such as spec.steps[1].depends_on.'),
        line: integer('Line in the manifest as last applied, when known.', { minimum: 1 }),
        column: integer('Column, when known.', { minimum: 1 }),
      },
      { required: ['severity', 'message'] },
    ),
    {
      description:
        'Problems found by the full validation (the same as `conveyor validate`), errors first; at most 100.',
      maxItems: 100,
    },
  );
}

export function workflowStatusSchema(): OpenApiSchema {
  return object(
    {
      observedGeneration: observedGenerationSchema(),
      conditions: conditionsSchema(
        'Ready: the workflow is valid and can run; Stalled: it is not, see findings',
      ),
      findings: findingsSchema(),
      breakers: breakersSchema('Circuit breakers by name, kept from run to run.'),
      lastRun: object(
        {
          name: string('The WorkflowRun.'),
          phase: runPhaseSchema('Its phase when last seen.'),
          startedAt: timestamp('When it started.'),
          finishedAt: timestamp('When it finished.'),
        },
        { description: 'The most recent run of this workflow.' },
      ),
      schedules: arrayOf(
        object(
          {
            name: string('The schedule (its name, or schedule-N for the N-th unnamed one).'),
            since: timestamp('When the controller first saw it: earlier fire times are not run.'),
            suspended: boolean('spec.schedules[].suspend is set: it does not fire.'),
            lastScheduleTime: timestamp('The fire time of the last run it started.'),
            lastSkip: object(
              {
                time: timestamp('The fire time not run.'),
                reason: string('Why.', { enum: ['MissedStartingDeadline', 'ConcurrencyForbid'] }),
                message: string('Why, in words.'),
              },
              { description: 'The last fire time it did not run.' },
            ),
            lastRun: object(
              { name: string('The WorkflowRun.'), phase: runPhaseSchema('Its phase when last seen.') },
              { description: 'The most recent run it started.' },
            ),
            nextScheduleTimes: arrayOf(timestamp('A fire time.'), {
              description: 'The next fire times, soonest first.',
              maxItems: 10,
            }),
            active: arrayOf(string(), {
              description: 'Runs it started that are still going.',
              maxItems: 100,
            }),
          },
          { required: ['name'] },
        ),
        { description: 'State of each entry of spec.schedules.', maxItems: 64 },
      ),
    },
    { description: 'What the controller observed: validity, breakers, last run, schedules.' },
  );
}
