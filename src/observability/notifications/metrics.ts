// Prometheus metrics of notification delivery: outcomes by channel and event, attempts, drops from
// a full queue, and the queue's depth.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export interface NotificationMetrics {
  readonly outcomes: Counter<'channel' | 'event' | 'result'>;
  readonly attempts: Counter<'channel' | 'result'>;
  readonly dropped: Counter<'channel'>;
  trackQueueDepth(depth: () => number): void;
}

export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  const registers = [registry];
  let depth: () => number = () => 0;
  new Gauge({
    name: 'conveyor_notification_queue_depth',
    help: 'Notifications waiting, retrying or being delivered.',
    registers,
    collect() {
      this.set(depth());
    },
  });
  return {
    outcomes: new Counter({
      name: 'conveyor_notifications_total',
      help: 'Notifications settled, by channel, event and result (sent, failed after retries or refused, dropped from a full queue).',
      labelNames: ['channel', 'event', 'result'] as const,
      registers,
    }),
    attempts: new Counter({
      name: 'conveyor_notification_attempts_total',
      help: 'Delivery attempts, by channel and result (success, error).',
      labelNames: ['channel', 'result'] as const,
      registers,
    }),
    dropped: new Counter({
      name: 'conveyor_notifications_dropped_total',
      help: 'Notifications dropped because the queue was full (the oldest waiting one goes).',
      labelNames: ['channel'] as const,
      registers,
    }),
    trackQueueDepth(fn) {
      depth = fn;
    },
  };
}
