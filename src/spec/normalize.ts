// Turns a schema-valid document into the one internal model: generated names for unnamed steps,
// `list` read as `array`, durations and quantities parsed once, defaults filled in.
import type { Diagnostic } from './diagnostics.ts';
import { parseDuration } from './duration.ts';
import { formatPath } from './field-path.ts';
import type { PathSegment } from './field-path.ts';
import type {
  Approval,
  CircuitBreaker,
  ErrorHandling,
  NamedExpression,
  Parameter,
  ParameterType,
  Resources,
  RetryPolicy,
  Runner,
  Schedule,
  SourceRef,
  Step,
  StepMetrics,
  Variable,
  Workflow,
} from './model.ts';
import { parseCpuMillis, parseMemoryBytes } from './quantity.ts';
import type { Position } from './source.ts';

type Raw = Record<string, unknown>;

/** Where a normaliser asks for positions; the YAML source answers, or nothing for data without one. */
export type Locator = (path: readonly PathSegment[]) => Position | undefined;

const DEFAULT_RETRY_DELAY_MS = 10_000;

export interface NormalizeResult {
  readonly workflow: Workflow;
  readonly diagnostics: Diagnostic[];
}

export interface NormalizeOptions {
  /**
   * The document came through the Kubernetes API, which drops null values: a step written with an
   * empty `steps:` arrives without the key, so a step with nothing to run is read as an empty group.
   */
  readonly nullsPruned?: boolean;
}

export function normalizeWorkflow(
  raw: Raw,
  locator: Locator,
  file?: string,
  options: NormalizeOptions = {},
): NormalizeResult {
  return new Normalizer(locator, file, options).workflow(raw);
}

class Normalizer {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly locator: Locator,
    private readonly file: string | undefined,
    private readonly options: NormalizeOptions,
  ) {}

  workflow(raw: Raw): NormalizeResult {
    const errorHandling = this.errorHandling(raw.error_handling as Raw | undefined);
    const rollbackRaw = raw.rollback as Raw | undefined;
    const recoveryRaw = raw.recovery as Raw | undefined;
    const postRaw = (raw.post_execution as Raw | undefined) ?? {};
    const limitsRaw = raw.resource_limits as Raw | undefined;
    const workflow: Workflow = {
      name: String(raw.name),
      description: optionalString(raw.description),
      version: raw.version === undefined ? undefined : String(raw.version),
      parameters: list<Raw>(raw.parameters).map((p, i) => this.parameter(p, ['parameters', i])),
      variables: this.variables(raw.variables as Raw | undefined),
      conditions: list<Raw>(raw.conditions).map((c, i) => this.expression(c, ['conditions', i])),
      validations: list<Raw>(raw.validation).map((c, i) => this.expression(c, ['validation', i])),
      prerequisites: this.steps(raw.prerequisites, ['prerequisites'], 'prerequisites'),
      steps: this.steps(raw.steps, ['steps'], 'steps'),
      onFailure: this.steps(raw.on_failure, ['on_failure'], 'on_failure'),
      onSuccess: this.steps(raw.on_success, ['on_success'], 'on_success'),
      postExecution: {
        success: this.steps(postRaw.success, ['post_execution', 'success'], 'post_execution.success'),
        failure: this.steps(postRaw.failure, ['post_execution', 'failure'], 'post_execution.failure'),
      },
      rollback: rollbackRaw && {
        enabled: rollbackRaw.enabled !== false,
        automatic: rollbackRaw.automatic !== false,
        conditions: list<string>(rollbackRaw.conditions),
        steps: this.steps(rollbackRaw.steps, ['rollback', 'steps'], 'rollback'),
      },
      errorHandling,
      recovery: recoveryRaw && {
        enabled: recoveryRaw.enabled !== false,
        strategies: list<Raw>(recoveryRaw.strategies).map((s, i) => ({
          name: String(s.name),
          conditions: list<string>(s.conditions),
          actions: list<string>(s.actions),
          source: this.ref(['recovery', 'strategies', i]),
        })),
      },
      actions: [
        ...this.steps(recoveryRaw?.actions, ['recovery', 'actions'], 'recovery.actions'),
        ...this.steps(raw.actions, ['actions'], 'actions'),
      ],
      circuitBreakers: this.breakers(raw.circuit_breakers as Raw | undefined),
      resourceLimits: limitsRaw && {
        maxParallel: optionalNumber(limitsRaw.max_parallel),
        cpuMillis: this.cpu(limitsRaw.cpu_limit, ['resource_limits', 'cpu_limit']),
        memoryBytes: this.memory(limitsRaw.memory_limit, ['resource_limits', 'memory_limit']),
      },
      timeoutMs: this.duration(raw.timeout, ['timeout']),
      schedules: list<Raw>(raw.schedules).map((s, i) => this.schedule(s, i)),
      runner: raw.runner === undefined ? undefined : this.runner(raw.runner as Raw),
      notifications: raw.notifications as Raw | undefined,
      monitoring: raw.monitoring as Raw | undefined,
      metrics: raw.metrics as Raw | undefined,
    };
    return { workflow, diagnostics: this.diagnostics };
  }

  private steps(value: unknown, path: PathSegment[], owner: string): Step[] {
    return list<Raw>(value).map((raw, i) => this.step(raw, [...path, i], owner, i));
  }

  private step(raw: Raw, path: PathSegment[], owner: string, index: number): Step {
    const generatedName = typeof raw.name !== 'string';
    const name = generatedName ? `${owner}.${index + 1}` : (raw.name as string);
    const nothingToRun = raw.command === undefined && raw.script === undefined && !('steps' in raw);
    const isGroup = 'steps' in raw || (nothingToRun && this.options.nullsPruned === true);
    const kind = isGroup ? 'group' : raw.script !== undefined ? 'script' : 'command';
    if (isGroup && (raw.command !== undefined || raw.script !== undefined)) {
      this.error(
        path,
        'group-with-command',
        "a step has either 'steps' (a group) or 'command'/'script', not both",
      );
    } else if (!isGroup && raw.command !== undefined && raw.script !== undefined) {
      this.error(path, 'command-and-script', "a step has either 'command' or 'script', not both");
    } else if (!isGroup && nothingToRun) {
      this.error(path, 'empty-step', `step '${name}' has nothing to run: add 'command', 'script' or 'steps'`);
    }
    if (raw.when !== undefined && raw.condition !== undefined) {
      this.error(path, 'when-and-condition', "use either 'when' or 'condition', not both");
    }
    const approval = raw.manual_approval === true ? this.approval(raw, path) : undefined;
    return {
      name,
      generatedName,
      description: optionalString(raw.description),
      kind,
      command: optionalString(raw.command),
      script: optionalString(raw.script),
      shell: optionalString(raw.shell),
      dynamic: raw.dynamic === true,
      steps: isGroup ? this.steps(raw.steps, [...path, 'steps'], name) : [],
      parallel: raw.parallel === true || raw.parallel_limit !== undefined,
      parallelLimit: optionalNumber(raw.parallel_limit),
      dependsOn: list<string>(raw.depends_on),
      priority: optionalNumber(raw.priority),
      when: optionalString(raw.when ?? raw.condition),
      whenKey: raw.when !== undefined ? 'when' : raw.condition !== undefined ? 'condition' : undefined,
      timeoutMs: this.duration(raw.timeout, [...path, 'timeout']),
      retry: this.retry(raw.retry as Raw | undefined, [...path, 'retry']),
      continueOnError: raw.continue_on_error === true,
      captureOutput: optionalString(raw.capture_output),
      manualApproval: raw.manual_approval === true,
      approval,
      raises: optionalString(raw.raises),
      circuitBreaker: optionalString(raw.circuit_breaker),
      fallbackSteps: this.steps(raw.fallback_steps, [...path, 'fallback_steps'], `${name}.fallback`),
      onFailure: this.steps(raw.on_failure, [...path, 'on_failure'], `${name}.on_failure`),
      onRetry: this.steps(raw.on_retry, [...path, 'on_retry'], `${name}.on_retry`),
      atomic: raw.atomic === true || raw.rollback_on_failure === true,
      rollbackCommand: optionalString(raw.rollback),
      resources: this.resources(raw.resources as Raw | undefined, [...path, 'resources']),
      resourceRequirements: this.resources(raw.resource_requirements as Raw | undefined, [
        ...path,
        'resource_requirements',
      ]),
      env: (raw.env as Record<string, string> | undefined) ?? {},
      image: optionalString(raw.image),
      idempotent: raw.idempotent === true,
      metrics: raw.metrics === undefined ? undefined : this.metrics(raw.metrics as Raw),
      source: this.ref(path),
    };
  }

  private approval(raw: Raw, path: PathSegment[]): Approval {
    const approvers = (raw.approvers as Raw | undefined) ?? {};
    return {
      users: list<string>(approvers.users),
      groups: list<string>(approvers.groups),
      required: optionalNumber(raw.approvals_required) ?? 1,
      allowSelfApproval: raw.allow_self_approval === true,
      timeoutMs: this.duration(raw.approval_timeout, [...path, 'approval_timeout']),
    };
  }

  private metrics(raw: Raw): StepMetrics {
    return {
      trackDuration: raw.track_duration === true,
      trackSuccess: raw.track_success === true,
      customLabels: (raw.custom_labels as Record<string, string> | undefined) ?? {},
    };
  }

  private retry(raw: Raw | undefined, path: PathSegment[]): RetryPolicy | undefined {
    if (!raw) return undefined;
    return {
      attempts: optionalNumber(raw.attempts) ?? 3,
      delayMs: this.duration(raw.delay, [...path, 'delay']) ?? DEFAULT_RETRY_DELAY_MS,
      backoff: (raw.backoff as RetryPolicy['backoff'] | undefined) ?? 'constant',
      maxDelayMs: this.duration(raw.max_delay, [...path, 'max_delay']),
    };
  }

  private errorHandling(raw: Raw | undefined): ErrorHandling {
    const strategy = (raw?.strategy as ErrorHandling['strategy'] | undefined) ?? 'fail_fast';
    if (!raw || (raw.max_retries === undefined && raw.retry_delay === undefined)) return { strategy };
    return {
      strategy,
      retry: {
        attempts: (optionalNumber(raw.max_retries) ?? 3) + 1,
        delayMs: this.duration(raw.retry_delay, ['error_handling', 'retry_delay']) ?? DEFAULT_RETRY_DELAY_MS,
        backoff: 'constant',
      },
    };
  }

  private breakers(raw: Raw | undefined): Record<string, CircuitBreaker> {
    const out: Record<string, CircuitBreaker> = {};
    for (const [name, value] of Object.entries(raw ?? {})) {
      const b = value as Raw;
      out[name] = {
        name,
        failureThreshold: optionalNumber(b.failure_threshold) ?? 5,
        recoveryTimeoutMs:
          this.duration(b.recovery_timeout, ['circuit_breakers', name, 'recovery_timeout']) ?? 60_000,
        fallback: list<string>(b.fallback),
        source: this.ref(['circuit_breakers', name]),
      };
    }
    return out;
  }

  private parameter(raw: Raw, path: PathSegment[]): Parameter {
    const declared = raw.type as string | undefined;
    const type: ParameterType =
      declared === 'list' ? 'array' : ((declared as ParameterType | undefined) ?? inferType(raw.default));
    const v = raw.validation as Raw | undefined;
    return {
      name: String(raw.name),
      description: optionalString(raw.description),
      type,
      required: raw.required === true,
      default: raw.default,
      validation: v && {
        pattern: optionalString(v.pattern),
        enum: v.enum as unknown[] | undefined,
        min: optionalNumber(v.min),
        max: optionalNumber(v.max),
        minLength: optionalNumber(v.min_length),
        maxLength: optionalNumber(v.max_length),
        minItems: optionalNumber(v.min_items),
        maxItems: optionalNumber(v.max_items),
      },
      source: this.ref(path),
    };
  }

  private variables(raw: Raw | undefined): Variable[] {
    return Object.entries(raw ?? {}).map(([name, value]) => ({
      name,
      value,
      source: this.ref(['variables', name]),
    }));
  }

  private expression(raw: Raw, path: PathSegment[]): NamedExpression {
    return {
      name: String(raw.name),
      expression: String(raw.expression),
      message: optionalString(raw.message),
      source: this.ref([...path, 'expression']),
    };
  }

  private schedule(raw: Raw, index: number): Schedule {
    return {
      // Runs are named after the workflow and the schedule, so an unnamed schedule needs no prefix.
      name: optionalString(raw.name) ?? `schedule-${index + 1}`,
      cron: String(raw.cron),
      timezone: optionalString(raw.timezone),
      parameters: (raw.parameters as Raw | undefined) ?? {},
      environment: optionalString(raw.environment),
      concurrencyPolicy: (raw.concurrency_policy as Schedule['concurrencyPolicy'] | undefined) ?? 'Forbid',
      startingDeadlineMs: this.duration(raw.starting_deadline, ['schedules', index, 'starting_deadline']),
      suspend: raw.suspend === true,
      source: this.ref(['schedules', index]),
      fieldSources: Object.fromEntries(
        (['name', 'cron', 'timezone', 'parameters'] as const)
          .filter((field) => raw[field] !== undefined)
          .map((field) => [field, this.ref(['schedules', index, field])]),
      ),
    };
  }

  private runner(raw: Raw): Runner {
    return {
      image: optionalString(raw.image),
      serviceAccountName: optionalString(raw.service_account),
      env: (raw.env as Record<string, string> | undefined) ?? {},
      envFromSecrets: list<string>(raw.env_from_secrets),
      nodeSelector: (raw.node_selector as Record<string, string> | undefined) ?? {},
      tolerations: list<Raw>(raw.tolerations),
      podLabels: (raw.pod_labels as Record<string, string> | undefined) ?? {},
    };
  }

  private resources(raw: Raw | undefined, path: PathSegment[]): Resources | undefined {
    if (!raw) return undefined;
    return {
      cpuMillis: this.cpu(raw.cpu, [...path, 'cpu']),
      memoryBytes: this.memory(raw.memory, [...path, 'memory']),
    };
  }

  private duration(value: unknown, path: PathSegment[]): number | undefined {
    if (value === undefined) return undefined;
    const d = parseDuration(value);
    if (d.ok) return d.ms;
    this.error(path, 'invalid-duration', d.message);
    return undefined;
  }

  private cpu(value: unknown, path: PathSegment[]): number | undefined {
    if (value === undefined) return undefined;
    const q = parseCpuMillis(value);
    if (q.ok) return q.value;
    this.error(path, 'invalid-quantity', q.message);
    return undefined;
  }

  private memory(value: unknown, path: PathSegment[]): number | undefined {
    if (value === undefined) return undefined;
    const q = parseMemoryBytes(value);
    if (q.ok) return q.value;
    this.error(path, 'invalid-quantity', q.message);
    return undefined;
  }

  private ref(path: readonly PathSegment[]): SourceRef {
    const pos = this.locator(path);
    return { path: formatPath(path), line: pos?.line, column: pos?.column };
  }

  private error(path: readonly PathSegment[], code: string, message: string): void {
    const pos = this.locator(path);
    this.diagnostics.push({
      severity: 'error',
      code,
      message,
      path: formatPath(path),
      file: this.file,
      line: pos?.line,
      column: pos?.column,
    });
  }
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function inferType(value: unknown): ParameterType {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (value !== null && typeof value === 'object') return 'object';
  return 'string';
}
