// Pod status as the kubelet computes it (phase, conditions, container statuses) from what the node
// agent knows about each container. Pure: no I/O, so the rules can be read and tested alone.
import type { V1Pod } from '@kubernetes/client-node';

export type ContainerState =
  { kind: 'waiting'; reason: string; message?: string } | { kind: 'running'; startedAt: Date } | Terminated;

export interface Terminated {
  kind: 'terminated';
  exitCode: number;
  signal?: string;
  reason: string;
  message?: string;
  startedAt?: Date;
  finishedAt: Date;
}

export interface ContainerRecord {
  name: string;
  image: string;
  state: ContainerState;
  lastTerminated?: Terminated;
  restartCount: number;
  containerID?: string;
}

export interface PodRecord {
  init: ContainerRecord[];
  main: ContainerRecord[];
  startTime: Date;
  hostIP: string;
  podIP: string;
  /** Set when the node itself ended the pod (active deadline, deletion). */
  terminal?: { reason?: string; message?: string };
}

export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

type Json = Record<string, unknown>;

function time(date: Date | undefined): string | undefined {
  return date?.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const succeeded = (c: ContainerRecord) => c.state.kind === 'terminated' && c.state.exitCode === 0;

/** The kubelet's getPhase, for pods without sidecar containers. */
export function podPhase(pod: V1Pod, record: PodRecord): Phase {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const mainStopped = record.main.every((c) => c.state.kind === 'terminated');
  if (record.terminal) {
    // The node stopped the pod: terminal now, whatever the restart policy.
    if (!mainStopped || record.main.length === 0) return 'Failed';
    return record.main.every(succeeded) && record.init.every(succeeded) ? 'Succeeded' : 'Failed';
  }
  const initFailed = record.init.some((c) => c.state.kind === 'terminated' && c.state.exitCode !== 0);
  if (initFailed && policy === 'Never') return 'Failed';
  if (!record.init.every(succeeded)) return 'Pending';

  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let ok = 0;
  for (const c of record.main) {
    if (c.state.kind === 'running') running++;
    else if (c.state.kind === 'terminated') {
      stopped++;
      if (c.state.exitCode === 0) ok++;
    } else if (c.lastTerminated) {
      // Waiting to be restarted after a failure counts as stopped, as in the kubelet.
      stopped++;
    } else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === ok) return 'Succeeded';
    return policy === 'OnFailure' ? 'Running' : 'Failed';
  }
  return 'Pending';
}

function stateJson(state: ContainerState | undefined, containerID: string | undefined): Json {
  // Every key is present (null when unused) so that a strategic merge patch replaces the state.
  const json: Json = { waiting: null, running: null, terminated: null };
  if (state?.kind === 'waiting') json.waiting = { reason: state.reason, message: state.message };
  if (state?.kind === 'running') json.running = { startedAt: time(state.startedAt) };
  if (state?.kind === 'terminated') {
    json.terminated = {
      exitCode: state.exitCode,
      ...(state.signal ? { signal: signalNumber(state.exitCode) } : {}),
      reason: state.reason,
      ...(state.message ? { message: state.message } : {}),
      startedAt: time(state.startedAt),
      finishedAt: time(state.finishedAt),
      ...(containerID ? { containerID } : {}),
    };
  }
  return json;
}

function signalNumber(exitCode: number): number | undefined {
  return exitCode > 128 ? exitCode - 128 : undefined;
}

function containerStatus(c: ContainerRecord, init: boolean): Json {
  const running = c.state.kind === 'running';
  return {
    name: c.name,
    image: c.image,
    imageID: `conveyor-node://${c.image}`,
    ...(c.containerID ? { containerID: c.containerID } : {}),
    // Without readiness probes a running container is ready; a finished init container is too.
    ready: running || (init && succeeded(c)),
    started: running,
    restartCount: c.restartCount,
    state: stateJson(c.state, c.containerID),
    lastState: c.lastTerminated ? stateJson(c.lastTerminated, undefined) : {},
  };
}

export interface ConditionMemory {
  /** Last status and transition time per condition type, to keep transition times stable. */
  get(type: string): { status: string; time: string } | undefined;
  set(type: string, value: { status: string; time: string }): void;
}

function condition(
  memory: ConditionMemory,
  type: string,
  ok: boolean,
  reason?: string,
  message?: string,
): Json {
  const status = ok ? 'True' : 'False';
  const previous = memory.get(type);
  const transition = previous?.status === status ? previous.time : time(new Date())!;
  memory.set(type, { status, time: transition });
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: transition,
    // Explicit nulls: a strategic merge patch would otherwise keep the previous reason and message.
    reason: reason ?? null,
    message: message ?? null,
  };
}

/** The body of a strategic merge patch on pods/status. */
export function podStatus(pod: V1Pod, record: PodRecord, memory: ConditionMemory): Json {
  const phase = podPhase(pod, record);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const names = (list: ContainerRecord[]) => `[${list.map((c) => c.name).join(' ')}]`;
  const unfinishedInit = record.init.filter((c) => !succeeded(c));
  const unready = record.main.filter((c) => c.state.kind !== 'running');
  const initialized = unfinishedInit.length === 0;
  const ready = unready.length === 0 && !terminal;
  const notReady = terminal
    ? { reason: 'PodCompleted' }
    : { reason: 'ContainersNotReady', message: `containers with unready status: ${names(unready)}` };
  return {
    phase,
    ...(record.terminal?.reason ? { reason: record.terminal.reason } : {}),
    ...(record.terminal?.message ? { message: record.terminal.message } : {}),
    hostIP: record.hostIP,
    hostIPs: [{ ip: record.hostIP }],
    podIP: record.podIP,
    podIPs: [{ ip: record.podIP }],
    startTime: time(record.startTime),
    conditions: [
      condition(memory, 'PodReadyToStartContainers', !terminal),
      initialized
        ? condition(memory, 'Initialized', true)
        : condition(
            memory,
            'Initialized',
            false,
            'ContainersNotInitialized',
            `containers with incomplete status: ${names(unfinishedInit)}`,
          ),
      ready
        ? condition(memory, 'ContainersReady', true)
        : condition(memory, 'ContainersReady', false, notReady.reason, notReady.message),
      ready
        ? condition(memory, 'Ready', true)
        : condition(memory, 'Ready', false, notReady.reason, notReady.message),
    ],
    ...(record.init.length > 0
      ? { initContainerStatuses: record.init.map((c) => containerStatus(c, true)) }
      : {}),
    containerStatuses: record.main.map((c) => containerStatus(c, false)),
  };
}
