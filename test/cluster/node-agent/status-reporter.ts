// Sends a pod's status to the API server: coalesces bursts of changes into one strategic merge patch
// of pods/status at a time, with the pod's UID as a precondition, as the kubelet's status manager.
// A failed write is retried until it lands (the kubelet's status manager keeps the status it could not
// send and syncs it again): a pod that ends while the API server is away must not stay Running.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { describeError, isConflict, isNotFound, strategicMergePatch } from './api.ts';
import { podStatus, type ConditionMemory, type PodRecord } from './status.ts';

/** Waits between tries: short, since an API server that is back should hear of the pod soon. */
const RETRY_MS = { initial: 500, max: 5_000 };

export class StatusReporter {
  private dirty = false;
  private closed = false;
  private inflight: Promise<void> | undefined;
  private readonly conditions = new Map<string, { status: string; time: string }>();
  private readonly memory: ConditionMemory = {
    get: (type) => this.conditions.get(type),
    set: (type, value) => this.conditions.set(type, value),
  };

  constructor(
    private readonly core: CoreV1Api,
    private readonly pod: () => V1Pod,
    private readonly record: PodRecord,
    private readonly log: (message: string) => void,
  ) {}

  /** Something changed: send the status soon (once, however many changes arrive meanwhile). */
  request(): void {
    if (this.closed) return;
    this.dirty = true;
    this.inflight ??= this.loop().finally(() => {
      this.inflight = undefined;
    });
  }

  /** Sends the current status and waits until it was written (or given up on). */
  async flush(): Promise<void> {
    this.request();
    while (this.inflight) await this.inflight;
  }

  close(): void {
    this.closed = true;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.dirty && !this.closed) {
      this.dirty = false;
      const pod = this.pod();
      const body = { metadata: { uid: pod.metadata?.uid }, status: podStatus(pod, this.record, this.memory) };
      try {
        await this.core.patchNamespacedPodStatus(
          { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', body },
          strategicMergePatch,
        );
        failures = 0;
      } catch (error) {
        // Gone, or a different pod now has this name: nothing left to report to.
        if (isNotFound(error) || isConflict(error)) return;
        failures++;
        // Once, then every tenth try: an outage of minutes must not flood the agent's log.
        if (failures === 1 || failures % 10 === 0)
          this.log(
            `pod ${pod.metadata?.namespace}/${pod.metadata?.name}: status update failed (try ${failures}), retrying: ${describeError(error)}`,
          );
        this.dirty = true;
        await delay(Math.min(RETRY_MS.initial * 2 ** (failures - 1), RETRY_MS.max));
      }
    }
  }
}
