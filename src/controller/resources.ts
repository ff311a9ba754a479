// The shapes of the Kubernetes objects the controller reads, narrowed to the fields it uses. They
// come from the API server unchecked, so every consumer treats each field as possibly missing.

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly ownerReferences?: readonly { readonly uid?: string; readonly controller?: boolean }[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ApprovalEntry {
  readonly decision?: string;
  readonly comment?: string;
}

export interface WorkflowRunSpec {
  readonly workflowRef?: { readonly name?: string };
  readonly workflow?: Record<string, unknown>;
  readonly parameters?: Record<string, unknown>;
  readonly environment?: string;
  readonly parallel?: number;
  readonly continueOnError?: boolean;
  readonly timeout?: string;
  readonly dryRun?: boolean;
  readonly resumeFrom?: string;
  readonly cancel?: boolean;
  readonly rollback?: boolean;
  readonly approvals?: Readonly<Record<string, Readonly<Record<string, ApprovalEntry>>>>;
}

export interface WorkflowRunObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: WorkflowRunSpec;
  readonly status?: Record<string, unknown>;
}

export interface WorkflowObject {
  readonly metadata: ObjectMeta;
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
}

export interface JobCondition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface JobObject {
  readonly metadata: ObjectMeta;
  /** The cache keeps only these of a Job's spec (not its pod template). */
  readonly spec?: { readonly managedBy?: string; readonly activeDeadlineSeconds?: number };
  readonly status?: {
    readonly conditions?: readonly JobCondition[];
    readonly startTime?: string;
    readonly completionTime?: string;
    readonly active?: number;
    readonly failed?: number;
    readonly succeeded?: number;
  };
}

export interface PodObject {
  readonly metadata: ObjectMeta;
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly {
      readonly type?: string;
      readonly status?: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
    readonly reason?: string;
    readonly message?: string;
    readonly containerStatuses?: readonly {
      readonly name?: string;
      readonly state?: {
        readonly terminated?: {
          readonly exitCode?: number;
          readonly reason?: string;
          readonly message?: string;
          readonly finishedAt?: string;
        };
        readonly running?: unknown;
        readonly waiting?: { readonly reason?: string; readonly message?: string };
      };
    }[];
  };
}
