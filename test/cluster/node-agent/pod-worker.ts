// The life of one pod on the test node, as the kubelet runs it: init containers in order, then the
// containers together, restarts per restartPolicy, active deadline, graceful deletion, and status
// reports after every change.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';
import { describeError, isConflict, isNotFound } from './api.ts';
import { ContainerProcess, StartError } from './container.ts';
import { ContainerConfigError, containerArgv, containerEnv, type EnvContext } from './env.ts';
import { ContainerLog } from './logs.ts';
import { StatusReporter } from './status-reporter.ts';
import { podPhase, type ContainerRecord, type PodRecord, type Terminated } from './status.ts';

export interface WorkerContext {
  core: CoreV1Api;
  workDir: string;
  hostIP: string;
  /** Variables every container starts with (PATH, KUBERNETES_SERVICE_HOST, ...). */
  baseEnv: (pod: V1Pod, podDir: string) => Record<string, string>;
  allocatable: EnvContext['allocatable'];
  log: (message: string) => void;
}

// The kubelet backs off 10 s doubling to 5 min; tests want restarts sooner.
const RESTART_BACKOFF_MS = { initial: 1_000, max: 10_000 };
const CONFIG_RETRY_MS = 2_000;
const DEFAULT_GRACE_SECONDS = 30;
// What FallbackToLogsOnError keeps, as in the kubelet.
const MESSAGE_LINES = 80;
const MESSAGE_BYTES = 2_048;

const isTerminalPhase = (phase: string | undefined) => phase === 'Succeeded' || phase === 'Failed';

export class PodWorker {
  private pod: V1Pod;
  readonly uid: string;
  private readonly dir: string;
  private readonly record: PodRecord;
  private readonly reporter: StatusReporter;
  private readonly logs = new Map<string, ContainerLog[]>();
  private readonly running = new Set<ContainerProcess>();
  private readonly abort = new AbortController();
  private deadline: NodeJS.Timeout | undefined;
  private run: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private deleting: Promise<void> | undefined;
  /** Set when this agent did not run the pod (it was finished already): only deletion matters. */
  private passive = false;

  constructor(
    pod: V1Pod,
    private readonly ctx: WorkerContext,
  ) {
    this.pod = pod;
    this.uid = pod.metadata?.uid ?? '';
    this.dir = join(ctx.workDir, 'pods', this.uid);
    const spec = pod.spec!;
    const waiting = (c: V1Container, reason: string): ContainerRecord => ({
      name: c.name,
      image: c.image ?? '',
      state: { kind: 'waiting', reason },
      restartCount: 0,
    });
    const hasInit = (spec.initContainers ?? []).length > 0;
    this.record = {
      init: (spec.initContainers ?? []).map((c) => waiting(c, 'PodInitializing')),
      main: spec.containers.map((c) => waiting(c, hasInit ? 'PodInitializing' : 'ContainerCreating')),
      startTime: pod.status?.startTime ? new Date(pod.status.startTime) : new Date(),
      hostIP: ctx.hostIP,
      // Containers are host processes, so the pod's address is the node's, as with hostNetwork.
      podIP: ctx.hostIP,
    };
    this.reporter = new StatusReporter(ctx.core, () => this.pod, this.record, ctx.log);
  }

  get name(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  get namespace(): string {
    return this.pod.metadata?.namespace ?? '';
  }

  get podName(): string {
    return this.pod.metadata?.name ?? '';
  }

  start(): void {
    if (isTerminalPhase(this.pod.status?.phase)) {
      this.passive = true; // finished before this agent saw it
      return;
    }
    if (this.pod.status?.startTime) {
      // Started by an earlier agent whose processes died with it: report them lost, as the kubelet
      // does for containers it cannot find.
      this.markLost();
      return;
    }
    mkdirSync(join(this.dir, 'tmp'), { recursive: true });
    this.run = this.runPod().catch((error) => this.ctx.log(`pod ${this.name}: ${describeError(error)}`));
  }

  /** A newer version of the pod from the watch. */
  update(pod: V1Pod): void {
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp) this.onDeleted();
  }

  /** The log of a container (or its previous instance), or why there is none. */
  logFor(container: string, previous: boolean): ContainerLog | { status: number; message: string } {
    const instances = this.logs.get(container) ?? [];
    const log = instances[instances.length - (previous ? 2 : 1)];
    if (log) return log;
    if (previous)
      return {
        status: 400,
        message: `previous terminated container "${container}" in pod "${this.podName}" not found`,
      };
    const record = [...this.record.init, ...this.record.main].find((c) => c.name === container);
    if (!record)
      return { status: 400, message: `container "${container}" in pod "${this.podName}" is not valid` };
    const reason = record.state.kind === 'waiting' ? record.state.reason : 'ContainerCreating';
    return {
      status: 400,
      message: `container "${container}" in pod "${this.podName}" is waiting to start: ${reason}`,
    };
  }

  /** The pod object is gone from the API: kill anything left and remove its files. */
  async destroy(): Promise<void> {
    // Nothing to report to any more; and at agent shutdown the API server may be gone already.
    this.reporter.close();
    this.abort.abort();
    clearTimeout(this.deadline);
    for (const process of this.running) process.signal('SIGKILL');
    await this.run;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async runPod(): Promise<void> {
    const spec = this.pod.spec!;
    this.reporter.request();
    const deadlineSeconds = spec.activeDeadlineSeconds;
    if (deadlineSeconds !== undefined) {
      const remaining = this.record.startTime.getTime() + deadlineSeconds * 1000 - Date.now();
      const onDeadline = (): void => {
        this.stop('deadline').catch((error) => this.ctx.log(`pod ${this.name}: ${describeError(error)}`));
      };
      this.deadline = setTimeout(onDeadline, Math.max(0, remaining));
    }
    const initContainers = spec.initContainers ?? [];
    for (const [i, container] of initContainers.entries()) {
      const record = this.record.init[i]!;
      // An init container is retried until it succeeds, unless the pod never restarts anything.
      await this.runWithRestarts(
        container,
        record,
        (exitCode) => exitCode !== 0 && spec.restartPolicy !== 'Never',
      );
      if (this.abort.signal.aborted || !succeededRecord(record)) {
        this.reporter.request();
        return;
      }
      this.reporter.request();
    }
    for (const record of this.record.main) {
      if (record.state.kind === 'waiting') record.state = { kind: 'waiting', reason: 'ContainerCreating' };
    }
    const policy = spec.restartPolicy ?? 'Always';
    await Promise.all(
      spec.containers.map((container, i) =>
        this.runWithRestarts(container, this.record.main[i]!, (exitCode) =>
          policy === 'Always' ? true : policy === 'OnFailure' ? exitCode !== 0 : false,
        ),
      ),
    );
    clearTimeout(this.deadline);
    await this.reporter.flush();
  }

  private async runWithRestarts(
    container: V1Container,
    record: ContainerRecord,
    restart: (exitCode: number) => boolean,
  ): Promise<void> {
    let backoff = RESTART_BACKOFF_MS.initial;
    for (;;) {
      const exitCode = await this.runOnce(container, record);
      if (exitCode === undefined || this.abort.signal.aborted || !restart(exitCode)) return;
      record.lastTerminated = record.state as Terminated;
      record.restartCount++;
      record.state = {
        kind: 'waiting',
        reason: 'CrashLoopBackOff',
        message: `back-off ${backoff / 1000}s restarting failed container=${container.name} pod=${this.podName}`,
      };
      this.reporter.request();
      if (!(await this.sleep(backoff))) return;
      backoff = Math.min(backoff * 2, RESTART_BACKOFF_MS.max);
    }
  }

  /** Runs one instance of a container; returns its exit code, or undefined if it never started. */
  private async runOnce(container: V1Container, record: ContainerRecord): Promise<number | undefined> {
    let env: Record<string, string>;
    for (;;) {
      try {
        env = await containerEnv(container, {
          api: this.ctx.core,
          pod: this.pod,
          base: this.ctx.baseEnv(this.pod, this.dir),
          hostIP: this.record.hostIP,
          podIP: this.record.podIP,
          allocatable: this.ctx.allocatable,
        });
        break;
      } catch (error) {
        if (!(error instanceof ContainerConfigError)) throw error;
        record.state = { kind: 'waiting', reason: 'CreateContainerConfigError', message: error.message };
        this.reporter.request();
        if (!(await this.sleep(CONFIG_RETRY_MS))) return undefined;
      }
    }
    if (this.abort.signal.aborted) return undefined;
    const log = new ContainerLog(join(this.dir, 'logs', container.name, `${record.restartCount}.log`));
    this.logs.set(container.name, [...(this.logs.get(container.name) ?? []), log]);
    record.containerID = `conveyor://${randomBytes(16).toString('hex')}`;
    let process: ContainerProcess;
    try {
      process = await ContainerProcess.start({
        argv: containerArgv(container, env),
        env,
        cwd: this.dir,
        log,
        pidDir: join(this.ctx.workDir, 'pids'),
      });
    } catch (error) {
      if (!(error instanceof StartError)) throw error;
      const now = new Date();
      record.state = {
        kind: 'terminated',
        exitCode: 128,
        reason: 'StartError',
        message: error.message,
        startedAt: now,
        finishedAt: now,
      };
      this.reporter.request();
      return 128;
    }
    this.running.add(process);
    record.state = { kind: 'running', startedAt: process.startedAt };
    this.reporter.request();
    const exit = await process.exited;
    this.running.delete(process);
    const failed = exit.exitCode !== 0;
    const message =
      failed && container.terminationMessagePolicy === 'FallbackToLogsOnError' ? lastLines(log) : undefined;
    record.state = {
      kind: 'terminated',
      exitCode: exit.exitCode,
      ...(exit.signal ? { signal: exit.signal } : {}),
      reason: failed ? 'Error' : 'Completed',
      ...(message ? { message } : {}),
      startedAt: exit.startedAt,
      finishedAt: exit.finishedAt,
    };
    this.reporter.request();
    return exit.exitCode;
  }

  /** Waits `ms` unless the pod is being stopped; false when it is. */
  private async sleep(ms: number): Promise<boolean> {
    try {
      await delay(ms, undefined, { signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Deletion: stop the containers within the grace period, then remove the pod from the API. */
  private onDeleted(): void {
    this.deleting ??= this.stop('deleted')
      .then(() => this.deleteFromApi())
      .catch((error) => this.ctx.log(`pod ${this.name}: deletion failed: ${describeError(error)}`));
  }

  /** Stops the pod once, for deletion or because its active deadline passed; reports it terminal. */
  private stop(why: 'deleted' | 'deadline'): Promise<void> {
    this.stopping ??= (async () => {
      const wasTerminal = this.isTerminal();
      const spec = this.pod.spec!;
      const podGrace = spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      const grace =
        why === 'deleted' ? (this.pod.metadata?.deletionGracePeriodSeconds ?? podGrace) : podGrace;
      this.abort.abort();
      clearTimeout(this.deadline);
      if (wasTerminal) return;
      this.ctx.log(`pod ${this.name}: stopping (${why}, grace ${grace}s)`);
      if (why === 'deadline') {
        // The kubelet reports the pod Failed, and why, before it kills the containers: every
        // report from here on, including those as each container stops, carries the reason.
        this.record.terminal = {
          reason: 'DeadlineExceeded',
          message: 'Pod was active on the node longer than the specified deadline',
        };
        this.reporter.request();
      }
      await Promise.all([...this.running].map((process) => process.stop(grace)));
      await this.run;
      this.record.terminal ??= {};
      await this.reporter.flush();
    })();
    return this.stopping;
  }

  private isTerminal(): boolean {
    return this.passive || isTerminalPhase(podPhase(this.pod, this.record));
  }

  /** The kubelet's last word on a deleted pod: remove it now that its containers are gone. */
  private async deleteFromApi(): Promise<void> {
    try {
      await this.ctx.core.deleteNamespacedPod({
        name: this.podName,
        namespace: this.namespace,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: this.uid } },
      });
    } catch (error) {
      // Gone already, or replaced by a new pod of the same name.
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  private markLost(): void {
    const now = new Date();
    for (const record of [...this.record.init, ...this.record.main]) {
      const previous = [
        ...(this.pod.status?.initContainerStatuses ?? []),
        ...(this.pod.status?.containerStatuses ?? []),
      ].find((s) => s.name === record.name);
      const terminated = previous?.state?.terminated;
      record.restartCount = previous?.restartCount ?? 0;
      record.state = terminated
        ? {
            kind: 'terminated',
            exitCode: terminated.exitCode,
            reason: terminated.reason ?? 'Error',
            finishedAt: new Date(terminated.finishedAt ?? now),
          }
        : {
            kind: 'terminated',
            exitCode: 137,
            reason: 'ContainerStatusUnknown',
            message: 'The container could not be located when the pod was terminated',
            finishedAt: now,
          };
    }
    this.record.terminal = {};
    this.reporter.request();
  }
}

function succeededRecord(record: ContainerRecord): boolean {
  return record.state.kind === 'terminated' && record.state.exitCode === 0;
}

function lastLines(log: ContainerLog): string {
  const text = log
    .records()
    .map((r) => r.text + (r.partial ? '' : '\n'))
    .join('');
  const lines = text.trimEnd().split('\n').slice(-MESSAGE_LINES).join('\n');
  const bytes = Buffer.from(lines);
  return bytes.length > MESSAGE_BYTES ? bytes.subarray(bytes.length - MESSAGE_BYTES).toString() : lines;
}
