// Turns a run's state into deliveries, once per event: the caller passes what the run already
// handled (the controller keeps it in WorkflowRun.status.notifications), this decides which events
// are due for which channels, queues them, and reports each event's result when all its channels
// settled, so the caller can record it. Delivery is at least once: an event is recorded only after
// it settled, so a crash in between sends it again; receivers dedupe with the message id.
import type { AlertRecord, RunNotificationEvent } from '../../engine/notification-events.ts';
import { runNotificationEvents } from '../../engine/notification-events.ts';
import type { Plan, RunState } from '../../engine/types.ts';
import { notificationSettings } from '../../spec/observability.ts';
import { silentLogger } from '../logger.ts';
import type { Logger } from '../logger.ts';
import type { Registry } from 'prom-client';
import { createChannel } from './channels.ts';
import type { Channel, ChannelDeps } from './channels.ts';
import type { NotificationsConfig } from './config.ts';
import { approvalCommands } from './message.ts';
import type { NotificationMessage } from './message.ts';
import { createNotificationMetrics } from './metrics.ts';
import { Notifier } from './notifier.ts';
import type { Delivery, DeliveryOutcome, NotifierOptions } from './notifier.ts';

/**
 * How an event ended: Sent (every channel took it), Partial (some did), Failed (none did, after
 * retries or a refusal), Dropped (pushed out of a full queue), Skipped (too old when first seen, or
 * no configured channel matches).
 */
export type NotificationResult = 'Sent' | 'Partial' | 'Failed' | 'Dropped' | 'Skipped';

export interface RunRef {
  /** Unique and stable for the run (a WorkflowRun's uid, a local run's id). */
  readonly id: string;
  readonly run: string;
  readonly namespace?: string;
  readonly workflow: string;
}

export interface DueNotifications {
  /** Every result known for the run: `handled` as passed, plus what settled or was skipped since. */
  readonly results: Readonly<Record<string, NotificationResult>>;
  /** Deliveries to start with `send` (after the caller saved `results`). */
  readonly deliveries: readonly Delivery[];
  /** Channels the workflow names that the operator did not configure. */
  readonly unknownChannels: readonly string[];
}

export interface RunNotificationsOptions {
  readonly notifier: Notifier;
  /** Events older than this when first seen are Skipped. */
  readonly maxEventAgeMs: number;
  /** A link to a run, `{namespace}` and `{run}` replaced. */
  readonly runUrlTemplate?: string;
  /** An event of the run settled on every channel: record it, e.g. by reconciling the run again. */
  readonly onSettled?: (ref: RunRef, key: string, result: NotificationResult) => void;
  readonly logger?: Logger;
}

interface Progress {
  readonly ref: RunRef;
  readonly channels: number;
  readonly outcomes: DeliveryOutcome[];
}

export class RunNotifications {
  /** runId → key → deliveries settled so far. */
  private readonly inProgress = new Map<string, Map<string, Progress>>();
  /** runId → key → result, until the caller has recorded it. */
  private readonly settled = new Map<string, Map<string, NotificationResult>>();
  private readonly log: Logger;

  constructor(private readonly options: RunNotificationsOptions) {
    this.log = options.logger ?? silentLogger();
  }

  /** Called by the notifier for every settled delivery (wired by createRunNotifications). */
  deliverySettled(delivery: Delivery, outcome: DeliveryOutcome): void {
    const [runId, key] = splitId(delivery.id);
    const progress = this.inProgress.get(runId)?.get(key);
    if (!progress) return;
    progress.outcomes.push(outcome);
    if (progress.outcomes.length < progress.channels) return;
    this.inProgress.get(runId)?.delete(key);
    const result = combine(progress.outcomes);
    this.remember(runId, key, result);
    this.options.onSettled?.(progress.ref, key, result);
  }

  /**
   * What the run's state calls for now. `handled` holds the results recorded for the run; events
   * already settled in memory are added to the results (record them), events still in flight are
   * left alone, and the rest become deliveries.
   */
  due(
    ref: RunRef,
    plan: Plan,
    state: RunState,
    alerts: readonly AlertRecord[],
    handled: Readonly<Record<string, string>>,
    now: number,
  ): DueNotifications {
    const results: Record<string, NotificationResult> = {
      ...(handled as Record<string, NotificationResult>),
    };
    const settings = notificationSettings(plan.workflow);
    const settled = this.settled.get(ref.id);
    if (settled) {
      for (const [key, result] of settled) {
        if (handled[key] !== undefined) settled.delete(key);
        else results[key] = result;
      }
      if (settled.size === 0) this.settled.delete(ref.id);
    }
    if (!settings) return { results, deliveries: [], unknownChannels: [] };
    const wanted = settings.channels ?? this.options.notifier.channelNames;
    const channels = wanted.filter((c) => this.options.notifier.hasChannel(c));
    const unknownChannels = wanted.filter((c) => !this.options.notifier.hasChannel(c));
    const deliveries: Delivery[] = [];
    for (const event of runNotificationEvents(plan, state, alerts)) {
      if (!settings.events.includes(event.event) || results[event.key] !== undefined) continue;
      if (this.inProgress.get(ref.id)?.has(event.key)) continue;
      if (channels.length === 0 || now - event.at > this.options.maxEventAgeMs) {
        if (channels.length > 0)
          this.log.info(
            { run: ref.run, namespace: ref.namespace, event: event.key },
            'Not sending a notification for an event older than delivery.maxEventAge.',
          );
        results[event.key] = 'Skipped';
        continue;
      }
      const message = this.message(ref, state, event);
      for (const channel of channels)
        deliveries.push({ id: `${ref.id}\u0000${event.key}\u0000${channel}`, channel, message });
    }
    return { results, deliveries, unknownChannels };
  }

  /** Queues deliveries returned by `due` (never blocks). */
  send(ref: RunRef, deliveries: readonly Delivery[]): void {
    const byKey = new Map<string, Delivery[]>();
    for (const d of deliveries) {
      const [, key] = splitId(d.id);
      byKey.set(key, [...(byKey.get(key) ?? []), d]);
    }
    for (const [key, list] of byKey) {
      let runProgress = this.inProgress.get(ref.id);
      if (!runProgress) {
        runProgress = new Map();
        this.inProgress.set(ref.id, runProgress);
      }
      if (runProgress.has(key)) continue;
      runProgress.set(key, { ref, channels: list.length, outcomes: [] });
      for (const d of list) this.options.notifier.enqueue(d);
    }
  }

  /** Forget a run (deleted): its deliveries still in the queue go on, their results are ignored. */
  forget(runId: string): void {
    this.inProgress.delete(runId);
    this.settled.delete(runId);
  }

  private remember(runId: string, key: string, result: NotificationResult): void {
    let m = this.settled.get(runId);
    if (!m) {
      m = new Map();
      this.settled.set(runId, m);
    }
    m.set(key, result);
  }

  private message(ref: RunRef, state: RunState, event: RunNotificationEvent): NotificationMessage {
    const url = this.options.runUrlTemplate
      ?.replaceAll('{namespace}', encodeURIComponent(ref.namespace ?? ''))
      .replaceAll('{run}', encodeURIComponent(ref.run));
    return {
      id: `${ref.namespace ? `${ref.namespace}/` : ''}${ref.run}/${event.key}`,
      event: event.event,
      workflow: ref.workflow,
      run: ref.run,
      ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
      phase: state.phase,
      message: event.summary,
      time: new Date(event.at).toISOString(),
      ...(event.step !== undefined ? { step: event.step } : {}),
      ...(event.approval && event.step !== undefined
        ? {
            approval: {
              step: event.step,
              ...event.approval,
              ...approvalCommands(ref.run, ref.namespace, event.step),
            },
          }
        : {}),
      ...(event.alert ? { alert: event.alert } : {}),
      ...(url ? { url } : {}),
    };
  }
}

export interface RunNotificationsSetup {
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly onSettled?: RunNotificationsOptions['onSettled'];
  /** Tests replace the HTTP client, the secret source, or the retry wait. */
  readonly channelDeps?: ChannelDeps;
  readonly sleep?: NotifierOptions['sleep'];
}

/** The notifier, its channels and metrics, and the per-run tracking, from the operator's config. */
export function createRunNotifications(
  config: NotificationsConfig,
  setup: RunNotificationsSetup,
): { notifications: RunNotifications; notifier: Notifier } {
  const channels: Channel[] = [...config.channels.values()].map((c) => createChannel(c, setup.channelDeps));
  const notifier = new Notifier({
    channels,
    queueSize: config.delivery.queueSize,
    concurrency: config.delivery.concurrency,
    retry: {
      maxAttempts: config.delivery.maxAttempts,
      initialBackoffMs: config.delivery.initialBackoffMs,
      maxBackoffMs: config.delivery.maxBackoffMs,
    },
    metrics: createNotificationMetrics(setup.registry),
    ...(setup.logger ? { logger: setup.logger } : {}),
    ...(setup.sleep ? { sleep: setup.sleep } : {}),
    // Deliveries settle asynchronously, after `tracker` below exists.
    onSettled: (delivery, outcome) => tracker.deliverySettled(delivery, outcome),
  });
  const tracker = new RunNotifications({
    notifier,
    maxEventAgeMs: config.delivery.maxEventAgeMs,
    ...(config.runUrlTemplate ? { runUrlTemplate: config.runUrlTemplate } : {}),
    ...(setup.onSettled ? { onSettled: setup.onSettled } : {}),
    ...(setup.logger ? { logger: setup.logger } : {}),
  });
  return { notifications: tracker, notifier };
}

function splitId(id: string): [string, string] {
  const [runId = '', key = ''] = id.split('\u0000');
  return [runId, key];
}

function combine(outcomes: readonly DeliveryOutcome[]): NotificationResult {
  const sent = outcomes.filter((o) => o === 'sent').length;
  if (sent === outcomes.length) return 'Sent';
  if (sent > 0) return 'Partial';
  return outcomes.includes('failed') ? 'Failed' : 'Dropped';
}
