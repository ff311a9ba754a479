// The JSON Schema of a workflow document: the single source of truth for its keys, their types and
// their documentation. ajv validates with it, `schema/workflow.schema.json` publishes it for editors,
// and the CRDs are generated from it.

type JsonSchema = Record<string, unknown>;

const duration: JsonSchema = {
  description: 'A duration: a number of seconds, or a string with units such as "30s", "5m", "1h30m".',
  type: ['string', 'number'],
};

const quantity: JsonSchema = {
  description: 'A Kubernetes quantity such as "500m" or "0.5" (CPU) and "512Mi" or "2Gi" (memory).',
  type: ['string', 'number'],
};

const template: JsonSchema = {
  type: 'string',
  description: 'A template: text with Go-template actions such as "{{ .environment }}".',
};

const stringList: JsonSchema = { type: 'array', items: { type: 'string' } };

const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };

const resources: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cpu: { ...quantity, description: 'CPU, in cores ("0.5", "2") or millicores ("500m").' },
    memory: { ...quantity, description: 'Memory, in bytes with a suffix ("256Mi", "2Gi").' },
  },
};

const retry: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'How often to try a failing step again, and how long to wait in between.',
  properties: {
    attempts: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      description: 'Total tries, counting the first one: 3 means one try and two retries.',
    },
    delay: { ...duration, description: 'Wait before the first retry (default "10s").' },
    backoff: {
      enum: ['constant', 'linear', 'exponential'],
      description: 'How the delay grows: constant, linear (delay × n) or exponential (delay × 2^(n-1)).',
    },
    max_delay: { ...duration, description: 'The longest wait between two tries, whatever the backoff.' },
  },
};

const stepList: JsonSchema = {
  type: ['array', 'null'],
  items: { $ref: '#/$defs/step' },
};

const step: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'A step: a command, a script, or a group of steps. Names are unique across the workflow; unnamed steps get generated names.',
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      description: 'Unique name of the step, used by depends_on, approvals and outputs.',
    },
    description: { type: 'string', description: 'What the step does, for people.' },
    command: {
      ...template,
      description: 'A command line run by `sh -c` (or by `shell`). Templates are shell-escaped.',
    },
    script: {
      ...template,
      description: 'A whole script; a first line `#!…` picks the interpreter. Templates are shell-escaped.',
    },
    shell: {
      type: 'string',
      description: 'The shell that runs `command` instead of `sh` (for example "bash").',
    },
    dynamic: { type: 'boolean', description: 'Marks a script whose behaviour is decided at run time.' },
    steps: {
      ...stepList,
      description:
        'Child steps: this step is a group. In order, unless `parallel` or `parallel_limit` is set.',
    },
    parallel: {
      type: 'boolean',
      description: 'Run the children as a graph: those without depends_on start at once.',
    },
    parallel_limit: {
      type: 'integer',
      minimum: 1,
      description: 'The most children running at once (implies `parallel`).',
    },
    depends_on: {
      type: 'array',
      items: { type: 'string' },
      description: 'Steps or groups that must finish first. Depending on a group means on all of it.',
    },
    priority: {
      type: 'integer',
      minimum: 1,
      description: 'Among ready steps, 1 starts first, then 2, …; steps without one come last.',
    },
    when: {
      ...template,
      description: 'Run the step only when this template is true; otherwise it is Skipped.',
    },
    condition: { ...template, description: 'Like `when`; may inspect `.outputs` of earlier steps.' },
    timeout: { ...duration, description: 'Fail the attempt after this long (raises `deployment_timeout`).' },
    retry,
    on_failure: { ...stepList, description: 'Steps to run after this step has finally failed.' },
    on_retry: { ...stepList, description: 'Steps to run after a failed try, before the retry delay.' },
    capture_output: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: "Store the step's trimmed standard output as `.outputs.NAME`.",
    },
    manual_approval: { type: 'boolean', description: 'Wait for an approval before the step runs.' },
    approvers: {
      type: 'object',
      additionalProperties: false,
      description: 'Who may approve this step. Without it, anyone allowed to patch the run may.',
      properties: {
        users: { ...stringList, description: 'User names allowed to approve.' },
        groups: { ...stringList, description: 'Groups whose members may approve.' },
      },
    },
    approvals_required: {
      type: 'integer',
      minimum: 1,
      description: 'How many distinct people must approve (default 1).',
    },
    allow_self_approval: {
      type: 'boolean',
      description: 'Let the person who started the run approve it (default false: four eyes).',
    },
    approval_timeout: { ...duration, description: 'Reject the approval automatically after this long.' },
    continue_on_error: { type: 'boolean', description: "Let this step's dependents run even if it fails." },
    raises: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'The condition that the failure of this step means, such as `health_check_failed`.',
    },
    circuit_breaker: { type: 'string', description: 'The name of a circuit breaker in `circuit_breakers`.' },
    fallback_steps: {
      ...stepList,
      description: "Steps to run instead when the step's circuit breaker is open.",
    },
    atomic: {
      type: 'boolean',
      description: 'All or nothing: a failing child undoes the children that succeeded.',
    },
    rollback_on_failure: {
      type: 'boolean',
      description: 'With `atomic`, run the undo of succeeded children.',
    },
    rollback: {
      ...template,
      description: 'The command that undoes this step, run when its atomic group fails.',
    },
    resources: { ...resources, description: "The step's CPU and memory (a Job's requests and limits)." },
    resource_requirements: { ...resources, description: 'A budget for the running steps of this group.' },
    env: { ...stringMap, description: 'Environment variables of the step.' },
    image: { type: 'string', description: 'Container image for this step on Kubernetes.' },
    idempotent: { type: 'boolean', description: 'Documents that the step may safely run again.' },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        track_duration: {
          type: 'boolean',
          description: "Record the step's duration in the workflow's histogram.",
        },
        track_success: { type: 'boolean', description: "Count the step's successes and failures." },
        custom_labels: { ...stringMap, description: 'Labels added to the recorded metrics.' },
      },
    },
  },
};

const parameter: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'Name used as `.NAME` in templates.',
    },
    description: { type: 'string' },
    type: {
      enum: ['string', 'number', 'integer', 'boolean', 'list', 'array', 'object'],
      description: 'Value type; `list` is the same as `array` (default: string, or the type of `default`).',
    },
    required: { type: 'boolean', description: 'The run fails to start without a value (a default counts).' },
    default: { description: 'The value when none is given.' },
    validation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        pattern: { type: 'string', description: 'A regular expression that a string value must match.' },
        enum: { type: 'array', description: 'The allowed values.' },
        min: { type: 'number' },
        max: { type: 'number' },
        min_length: { type: 'integer', minimum: 0 },
        max_length: { type: 'integer', minimum: 0 },
        min_items: { type: 'integer', minimum: 0 },
        max_items: { type: 'integer', minimum: 0 },
      },
    },
  },
};

const namedExpression = (withMessage: boolean): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: ['name', 'expression'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    expression: template,
    description: { type: 'string' },
    ...(withMessage
      ? { message: { type: 'string', description: 'The error shown when the expression is false.' } }
      : {}),
  },
});

const schedule: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cron'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      description: 'Name of the schedule.',
    },
    cron: { type: 'string', description: 'A cron expression such as "0 2 * * 0".' },
    timezone: { type: 'string', description: 'IANA time zone of the cron expression (default UTC).' },
    parameters: { type: 'object', description: 'Parameter values for the scheduled runs.' },
    environment: { type: 'string', description: 'The `.environment` of the scheduled runs.' },
    concurrency_policy: {
      enum: ['Allow', 'Forbid', 'Replace'],
      description: 'What to do when a run is still going.',
    },
    starting_deadline: { ...duration, description: 'A missed fire time older than this is not run.' },
    suspend: { type: 'boolean', description: 'Stop firing without deleting the schedule.' },
  },
};

const runner: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'How steps run on Kubernetes.',
  properties: {
    image: { type: 'string', description: 'Container image of step Jobs.' },
    service_account: { type: 'string', description: 'Service account of step pods.' },
    env: { ...stringMap, description: 'Environment variables of every step.' },
    env_from_secrets: { ...stringList, description: 'Secrets whose keys become environment variables.' },
    node_selector: stringMap,
    tolerations: { type: 'array', items: { type: 'object' } },
    pod_labels: stringMap,
  },
};

export const workflowSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://conveyor.dev/schema/workflow.schema.json',
  title: 'Conveyor workflow',
  description: 'A multi-step operational workflow run by `conveyor run` or the Conveyor operator.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'steps'],
  properties: {
    $schema: { type: 'string' },
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      description: 'Name of the workflow.',
    },
    description: { type: 'string' },
    version: { type: ['string', 'number'] },
    author: { type: 'string' },
    documentation: { type: 'string', description: 'A link to the runbook this workflow automates.' },
    parameters: { type: 'array', items: parameter, description: 'Inputs given with --set.' },
    variables: { type: 'object', description: 'Values computed from the parameters, in order.' },
    conditions: { type: 'array', items: namedExpression(false), description: 'Named booleans for `when`.' },
    validation: {
      type: 'array',
      items: namedExpression(true),
      description: 'Checks on the inputs; a false expression stops the run with its message.',
    },
    prerequisites: { ...stepList, description: 'Commands that must succeed before any step starts.' },
    steps: { ...stepList, description: 'The steps, in order.' },
    on_failure: { ...stepList, description: 'Steps to run when the workflow fails.' },
    on_success: { ...stepList, description: 'Steps to run when the workflow succeeds.' },
    post_execution: {
      type: 'object',
      additionalProperties: false,
      properties: {
        success: { ...stepList, description: 'Steps to run last after a success.' },
        failure: { ...stepList, description: 'Steps to run last after a failure.' },
      },
    },
    rollback: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        automatic: { type: 'boolean', description: 'Roll back on failure without being asked.' },
        conditions: { ...stringList, description: 'Roll back only when one of these conditions was raised.' },
        steps: stepList,
      },
    },
    error_handling: {
      type: 'object',
      additionalProperties: false,
      properties: {
        strategy: {
          enum: ['fail_fast', 'continue_on_error', 'retry'],
          description:
            'fail_fast (default): a failure stops the run. continue_on_error: like make -k, steps that do not depend on a failed step go on and its dependents are skipped. retry: every step gets the workflow retry policy.',
        },
        max_retries: {
          type: 'integer',
          minimum: 0,
          maximum: 100,
          description: 'Retries after the first try.',
        },
        retry_delay: duration,
      },
    },
    recovery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        strategies: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { type: 'string' },
              conditions: stringList,
              actions: {
                ...stringList,
                description: 'Names of steps defined under `recovery.actions` or `actions`.',
              },
            },
          },
        },
        actions: { ...stepList, description: 'Named recovery actions.' },
      },
    },
    actions: {
      ...stepList,
      description: 'Named actions for recovery strategies and circuit-breaker fallbacks.',
    },
    circuit_breakers: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          failure_threshold: { type: 'integer', minimum: 1 },
          recovery_timeout: duration,
          fallback: { ...stringList, description: 'Named actions run while the breaker is open.' },
        },
      },
    },
    resource_limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_parallel: { type: 'integer', minimum: 1, description: 'The most steps running at once.' },
        memory_limit: { ...quantity, description: 'Memory budget of the running steps.' },
        cpu_limit: { ...quantity, description: 'CPU budget of the running steps.' },
      },
    },
    timeout: { ...duration, description: 'Overall timeout of a run.' },
    notifications: {
      type: 'object',
      additionalProperties: false,
      properties: {
        channels: stringList,
        events: {
          type: 'array',
          items: { enum: ['started', 'completed', 'failed', 'requires_approval', 'rolled_back', 'alert'] },
        },
      },
    },
    monitoring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        metrics: stringList,
        alerts: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['condition'],
            properties: {
              name: {
                type: 'string',
                description: 'Names the alert in metrics, Events and status (default: the condition).',
              },
              condition: {
                type: 'string',
                description:
                  'An expression over the run, such as `deployment_duration > 1800` (seconds); see docs/notifications-and-metrics.md.',
              },
              severity: { type: 'string', description: 'Reported with the alert; default `warning`.' },
              message: {
                type: 'string',
                description: 'What to report; may use `{{ .name }}` of the same values.',
              },
            },
          },
        },
        health_checks: { type: 'boolean' },
        metrics_collection: { type: 'boolean' },
        log_aggregation: { type: 'boolean' },
        alert_on_failure: { type: 'boolean' },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        collectors: stringList,
        custom_metrics: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'type'],
            properties: {
              name: { type: 'string', pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' },
              type: { enum: ['counter', 'gauge', 'histogram', 'summary'] },
              description: { type: 'string' },
              labels: stringList,
              buckets: { type: 'array', items: { type: 'number' } },
            },
          },
        },
      },
    },
    runner,
    schedules: { type: 'array', items: schedule },
    history: {
      type: 'object',
      additionalProperties: false,
      properties: {
        successful_runs: { type: 'integer', minimum: 0, description: 'Finished successful runs to keep.' },
        failed_runs: { type: 'integer', minimum: 0, description: 'Finished failed runs to keep.' },
      },
    },
  },
  $defs: { step },
};
