// The Job for one step attempt: owned by its run (garbage-collected with it), labelled for lookup,
// no Kubernetes retries (the engine retries), the step's timeout as activeDeadlineSeconds, the
// step's resources, the runner's image and settings, and a restricted pod security context. By
// default it is managed by the controller (spec.managedBy), which creates its pod (job-pod.ts).
import type { StartAttemptAction } from '../../engine/types.ts';
import type { Runner } from '../../spec/model.ts';
import {
  ANNOTATIONS,
  JOB_MANAGER,
  LABELS,
  labelValue,
  MANAGED_BY,
  runOwnerReference,
} from '../../spec/crd/identity.ts';
import { jobName } from './names.ts';

export interface RunIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly workflow: string;
}

export interface JobDefaults {
  /** Image when neither the step nor the workflow's runner names one. */
  readonly image: string;
  readonly serviceAccountName?: string;
  /** Extra environment for every step (for example PATH on test nodes). */
  readonly env?: Readonly<Record<string, string>>;
  /** Seconds a finished Job lingers before Kubernetes deletes it; the run's owner reference covers the rest. */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * Who creates a step's pod: the controller itself (the default: the Job carries spec.managedBy, so
   * a step starts without waiting for Kubernetes' Job controller), or the Job controller.
   */
  readonly pods?: 'controller' | 'job-controller';
}

const SCRIPT_ENV = 'CONVEYOR_SCRIPT';

/** Runs a script from the environment: written to a private temporary file, so its shebang is honoured. */
const SCRIPT_LAUNCHER = `f=$(mktemp) && printf '%s' "$${SCRIPT_ENV}" > "$f" && chmod 700 "$f" && exec "$f"`;

export function buildJob(
  run: RunIdentity,
  action: StartAttemptAction,
  runner: Runner | undefined,
  defaults: JobDefaults,
): Record<string, unknown> {
  const env: { name: string; value?: string; valueFrom?: unknown }[] = [];
  const addEnv = (vars: Readonly<Record<string, string>> | undefined): void => {
    for (const [name, value] of Object.entries(vars ?? {})) {
      const existing = env.findIndex((e) => e.name === name);
      if (existing >= 0) env.splice(existing, 1);
      env.push({ name, value });
    }
  };
  addEnv(defaults.env);
  addEnv(runner?.env);
  addEnv(action.env);
  addEnv({ CONVEYOR_RUN_ID: run.name, CONVEYOR_STEP: action.step, CONVEYOR_ATTEMPT: String(action.attempt) });
  let command: string[];
  if (action.script !== undefined) {
    addEnv({ [SCRIPT_ENV]: action.script });
    command = action.script.startsWith('#!')
      ? ['sh', '-c', SCRIPT_LAUNCHER]
      : [action.shell ?? 'sh', '-c', action.script];
  } else {
    command = [action.shell ?? 'sh', '-c', action.command ?? ''];
  }
  const labels = {
    ...(runner?.podLabels ?? {}),
    [LABELS.run]: labelValue(run.name),
    [LABELS.workflow]: labelValue(run.workflow),
    [LABELS.step]: labelValue(action.step),
    [LABELS.attempt]: String(action.attempt),
    [LABELS.managedBy]: MANAGED_BY,
  };
  const resources = resourceRequirements(action);
  const timeoutSeconds =
    action.timeoutMs === undefined ? undefined : Math.max(1, Math.ceil(action.timeoutMs / 1000));
  const ownPods = defaults.pods !== 'job-controller';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(run.name, action.step, action.attempt),
      namespace: run.namespace,
      labels,
      annotations: {
        [ANNOTATIONS.step]: action.step,
        [ANNOTATIONS.attemptId]: action.attemptId,
        [ANNOTATIONS.purpose]: action.purpose,
      },
      ownerReferences: [runOwnerReference(run)],
    },
    spec: {
      ...(ownPods ? { managedBy: JOB_MANAGER } : {}),
      backoffLimit: 0,
      ...(timeoutSeconds !== undefined ? { activeDeadlineSeconds: timeoutSeconds } : {}),
      ...(defaults.ttlSecondsAfterFinished !== undefined
        ? { ttlSecondsAfterFinished: defaults.ttlSecondsAfterFinished }
        : {}),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          // The controller ends the attempt at the Job's deadline; the kubelet's own deadline on the
          // pod stops the process even while the controller is down.
          ...(ownPods && timeoutSeconds !== undefined ? { activeDeadlineSeconds: timeoutSeconds } : {}),
          serviceAccountName: runner?.serviceAccountName ?? defaults.serviceAccountName,
          automountServiceAccountToken:
            (runner?.serviceAccountName ?? defaults.serviceAccountName) !== undefined,
          nodeSelector:
            runner?.nodeSelector && Object.keys(runner.nodeSelector).length
              ? { ...runner.nodeSelector }
              : undefined,
          tolerations: runner?.tolerations.length ? runner.tolerations : undefined,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'step',
              image: action.image ?? runner?.image ?? defaults.image,
              command,
              env,
              envFrom: runner?.envFromSecrets.length
                ? runner.envFromSecrets.map((name) => ({ secretRef: { name } }))
                : undefined,
              resources,
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                runAsNonRoot: true,
                readOnlyRootFilesystem: false,
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
        },
      },
    },
  };
}

function resourceRequirements(
  action: StartAttemptAction,
): Record<string, Record<string, string>> | undefined {
  const r = action.resources;
  if (!r || (r.cpuMillis === undefined && r.memoryBytes === undefined)) return undefined;
  const amounts: Record<string, string> = {};
  if (r.cpuMillis !== undefined) amounts.cpu = `${r.cpuMillis}m`;
  if (r.memoryBytes !== undefined) amounts.memory = String(r.memoryBytes);
  return { requests: { ...amounts }, limits: { ...amounts } };
}
