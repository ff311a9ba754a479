// `conveyor logs RUN [STEP] --cluster --follow`: the output of a run's steps as they write it, every
// line prefixed with its step (and attempt, after the first), until the run ends. Pods are found by
// polling the run's Jobs: a running one is streamed (pods/log?follow=true), a finished one read whole.
import { setTimeout as delay } from 'node:timers/promises';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS } from '../../spec/crd/identity.ts';
import type { CliIO } from '../io.ts';
import type { ClusterApi } from './api.ts';

const FINAL = new Set(['Succeeded', 'Failed', 'Cancelled']);
const STEP_CONTAINER = 'step';

export interface FollowLogsRequest {
  readonly api: ClusterApi;
  readonly io: CliIO;
  readonly run: string;
  /** The label selector of the run's Jobs (and of one step, when asked). */
  readonly selector: string;
  readonly order: (a: V1Job, b: V1Job) => number;
  /** How often to look for new Jobs and pods (ms). */
  readonly pollMs?: number;
  /** Ends following early (Ctrl-C is handled by the process itself). */
  readonly signal?: AbortSignal;
  /** Where each line goes; by default to stdout, prefixed with its label (`[step#2] line`). */
  readonly onLine?: (label: string, line: string) => void;
}

/** Resolves when the run has ended and every log was printed; rejects on API errors. */
export async function followLogs(req: FollowLogsRequest): Promise<void> {
  const { api, io } = req;
  const seen = new Set<string>();
  const streams: Promise<void>[] = [];
  let noted: string | undefined;
  const write = req.onLine ?? ((label: string, line: string) => io.stdout.write(`[${label}] ${line}\n`));

  const pass = async (): Promise<void> => {
    const jobs = (await api.listJobs(req.selector)).sort(req.order);
    for (const job of jobs) {
      const label = labelOf(job);
      const pods = await api.listPods(`batch.kubernetes.io/job-name=${job.metadata?.name ?? ''}`);
      for (const pod of pods) {
        const name = pod.metadata?.name ?? '';
        const phase = pod.status?.phase;
        if (seen.has(name) || phase === undefined || phase === 'Pending') continue;
        seen.add(name);
        if (phase === 'Running' && !ended(pod)) {
          streams.push(api.followPodLog(name, STEP_CONTAINER, (line) => write(label, line), req.signal));
        } else {
          const text = await api.readPodLog(name, STEP_CONTAINER).catch(() => '');
          for (const line of text.replace(/\n$/, '').split('\n')) if (text) write(label, line);
        }
      }
    }
  };

  for (;;) {
    const run = await api.getRun(req.run);
    const phase = (run?.status as { phase?: string } | undefined)?.phase;
    await pass();
    if (!run || FINAL.has(phase ?? '') || req.signal?.aborted) {
      await Promise.all(streams);
      io.stderr.write(run ? `${req.run} ended ${phase ?? ''}.\n` : `${req.run} was deleted.\n`);
      return;
    }
    if (phase === 'AwaitingApproval' && noted !== phase)
      io.stderr.write(`${req.run} is waiting for approval; following on until it ends.\n`);
    noted = phase;
    await delay(req.pollMs ?? 1000, undefined, { signal: req.signal }).catch(() => undefined);
  }
}

/** `step` for a first attempt, `step#2` for the second, `step (rollback)` for a hook or undo. */
function labelOf(job: V1Job): string {
  const meta = job.metadata ?? {};
  const step = meta.annotations?.[ANNOTATIONS.step] ?? meta.labels?.[LABELS.step] ?? '?';
  const attempt = Number(meta.labels?.[LABELS.attempt] ?? 1);
  const purpose = meta.annotations?.[ANNOTATIONS.purpose];
  return `${step}${attempt > 1 ? `#${attempt}` : ''}${purpose && purpose !== 'main' ? ` (${purpose})` : ''}`;
}

function ended(pod: V1Pod): boolean {
  return (pod.status?.containerStatuses ?? []).some((c) => c.state?.terminated !== undefined);
}
