// The normalised workflow model: what every layer above `spec` works with. Names are resolved,
// durations are milliseconds, quantities are millicores and bytes; templates stay source strings
// (the template layer parses them) together with where they came from.

/** Where a value came from in the source document, for located errors at run time. */
export interface SourceRef {
  /** Field path such as `steps[1].steps[2].command`. */
  readonly path: string;
  /** 1-based line and column in the source file, when known. */
  readonly line?: number;
  readonly column?: number;
}

export type ParameterType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

export interface ParameterValidation {
  readonly pattern?: string;
  readonly enum?: readonly unknown[];
  readonly min?: number;
  readonly max?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface Parameter {
  readonly name: string;
  readonly description?: string;
  readonly type: ParameterType;
  readonly required: boolean;
  readonly default?: unknown;
  readonly validation?: ParameterValidation;
  readonly source: SourceRef;
}

/** A `variables` entry: a value that may hold templates over the parameters. */
export interface Variable {
  readonly name: string;
  readonly value: unknown;
  readonly source: SourceRef;
}

/** A named boolean (`conditions`) or a check (`validation`) written as a template expression. */
export interface NamedExpression {
  readonly name: string;
  readonly expression: string;
  readonly message?: string;
  readonly source: SourceRef;
}

export type BackoffKind = 'constant' | 'linear' | 'exponential';

export interface RetryPolicy {
  /** Total tries, including the first one. */
  readonly attempts: number;
  readonly delayMs: number;
  readonly backoff: BackoffKind;
  readonly maxDelayMs?: number;
}

/** Kubernetes-style resource amounts, parsed once. */
export interface Resources {
  readonly cpuMillis?: number;
  readonly memoryBytes?: number;
}

export interface StepMetrics {
  readonly trackDuration: boolean;
  readonly trackSuccess: boolean;
  readonly customLabels: Readonly<Record<string, string>>;
}

export interface Approval {
  /** Users allowed to approve; empty with `groups` empty means anyone who may patch the run. */
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly required: number;
  readonly allowSelfApproval: boolean;
  readonly timeoutMs?: number;
}

export type StepKind = 'command' | 'script' | 'group';

/**
 * One step of any list: the main `steps`, hooks (`on_failure`, `on_retry`, `on_success`,
 * `post_execution`), `rollback.steps`, `prerequisites`, `fallback_steps` and named actions.
 */
export interface Step {
  /** Unique across the whole workflow (generated when the document has none). */
  readonly name: string;
  readonly generatedName: boolean;
  readonly description?: string;
  readonly kind: StepKind;
  /** The `command` template (kind `command`). */
  readonly command?: string;
  /** The `script` template (kind `script`); a shebang picks the interpreter. */
  readonly script?: string;
  readonly shell?: string;
  readonly dynamic: boolean;
  /** Children of a group, in document order. */
  readonly steps: readonly Step[];
  /** True when the group runs its children as a DAG (`parallel: true` or `parallel_limit`). */
  readonly parallel: boolean;
  readonly parallelLimit?: number;
  readonly dependsOn: readonly string[];
  readonly priority?: number;
  /** `when` or `condition`, a template whose truthiness decides whether the step runs. */
  readonly when?: string;
  /** Which key the document used for `when`, for error locations. */
  readonly whenKey?: 'when' | 'condition';
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly continueOnError: boolean;
  readonly captureOutput?: string;
  readonly manualApproval: boolean;
  readonly approval?: Approval;
  /** The condition name this step's failure raises besides `step_failed`. */
  readonly raises?: string;
  readonly circuitBreaker?: string;
  readonly fallbackSteps: readonly Step[];
  readonly onFailure: readonly Step[];
  readonly onRetry: readonly Step[];
  /** Group: undo the succeeded children in reverse order when one fails. */
  readonly atomic: boolean;
  /** The undo command of this step inside an atomic group (the step's `rollback`). */
  readonly rollbackCommand?: string;
  /** The step's own needs (a Job container's requests and limits). */
  readonly resources?: Resources;
  /** A group's budget for its running descendants. */
  readonly resourceRequirements?: Resources;
  readonly env: Readonly<Record<string, string>>;
  readonly image?: string;
  readonly idempotent: boolean;
  readonly metrics?: StepMetrics;
  readonly source: SourceRef;
}

export type ErrorStrategy = 'fail_fast' | 'continue_on_error' | 'retry';

export interface ErrorHandling {
  readonly strategy: ErrorStrategy;
  /** The workflow's retry policy for strategy `retry` (from `max_retries` and `retry_delay`). */
  readonly retry?: RetryPolicy;
}

export interface Rollback {
  readonly enabled: boolean;
  readonly automatic: boolean;
  /** Condition names that trigger it; empty means any failure. */
  readonly conditions: readonly string[];
  readonly steps: readonly Step[];
}

export interface RecoveryStrategy {
  readonly name: string;
  readonly conditions: readonly string[];
  /** Names of steps in `Workflow.actions`. */
  readonly actions: readonly string[];
  readonly source: SourceRef;
}

export interface Recovery {
  readonly enabled: boolean;
  readonly strategies: readonly RecoveryStrategy[];
}

export interface CircuitBreaker {
  readonly name: string;
  readonly failureThreshold: number;
  readonly recoveryTimeoutMs: number;
  /** Names of steps in `Workflow.actions`, run when the breaker is open and a step has no fallback_steps. */
  readonly fallback: readonly string[];
  readonly source: SourceRef;
}

export interface ResourceLimits {
  readonly maxParallel?: number;
  readonly cpuMillis?: number;
  readonly memoryBytes?: number;
}

export interface Schedule {
  readonly name: string;
  readonly cron: string;
  readonly timezone?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly environment?: string;
  readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  readonly startingDeadlineMs?: number;
  readonly suspend: boolean;
  readonly source: SourceRef;
  /** Where each field is written, for errors about one field (the entry itself when absent). */
  readonly fieldSources: Readonly<Partial<Record<'name' | 'cron' | 'timezone' | 'parameters', SourceRef>>>;
}

export interface Runner {
  readonly image?: string;
  readonly serviceAccountName?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly envFromSecrets: readonly string[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Readonly<Record<string, unknown>>[];
  readonly podLabels: Readonly<Record<string, string>>;
}

export interface Workflow {
  readonly name: string;
  readonly description?: string;
  readonly version?: string;
  readonly parameters: readonly Parameter[];
  readonly variables: readonly Variable[];
  readonly conditions: readonly NamedExpression[];
  readonly validations: readonly NamedExpression[];
  readonly prerequisites: readonly Step[];
  readonly steps: readonly Step[];
  readonly onFailure: readonly Step[];
  readonly onSuccess: readonly Step[];
  readonly postExecution: { readonly success: readonly Step[]; readonly failure: readonly Step[] };
  readonly rollback?: Rollback;
  readonly errorHandling: ErrorHandling;
  readonly recovery?: Recovery;
  /** Named actions referenced by recovery strategies and breaker fallbacks. */
  readonly actions: readonly Step[];
  readonly circuitBreakers: Readonly<Record<string, CircuitBreaker>>;
  readonly resourceLimits?: ResourceLimits;
  readonly timeoutMs?: number;
  readonly schedules: readonly Schedule[];
  readonly runner?: Runner;
  /** Sections the engine does not interpret (`notifications`, `monitoring`, `metrics`), kept as written. */
  readonly notifications?: Readonly<Record<string, unknown>>;
  readonly monitoring?: Readonly<Record<string, unknown>>;
  readonly metrics?: Readonly<Record<string, unknown>>;
}
