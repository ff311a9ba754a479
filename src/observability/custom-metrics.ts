// Workflows' `metrics.custom_metrics` as real Prometheus metrics on the controller's registry. A
// metric name is one series family for every workflow that declares it the same way (type, label
// names, buckets); a later workflow that declares the name differently is refused with a reason
// (the first declaration since the controller started wins), and never breaks the registry.
import { Counter, Gauge, Histogram, Summary } from 'prom-client';
import type { Registry } from 'prom-client';

export type CustomMetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface MetricDeclaration {
  readonly name: string;
  readonly type: CustomMetricKind;
  readonly help: string;
  /** All label names, in order. */
  readonly labelNames: readonly string[];
  readonly buckets?: readonly number[];
}

export interface MetricConflict {
  readonly name: string;
  readonly message: string;
}

/** Buckets (seconds) of a histogram that declares none: steps take seconds to hours. */
export const DEFAULT_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const SUMMARY_PERCENTILES = [0.5, 0.9, 0.99];

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string> | Summary<string>;

interface Entry {
  readonly declaration: MetricDeclaration;
  readonly signature: string;
  readonly metric: AnyMetric;
  /** Workflows (namespace/name) whose declaration matches. */
  readonly owners: Set<string>;
  /** The newest version (e.g. run creation time) that declared it this way. */
  version: number;
}

export class CustomMetrics {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly registry: Registry) {}

  /**
   * Registers a workflow's metrics, or joins it to identical ones; returns the declarations refused.
   * `version` orders declarations of one workflow (the creation time of the run that carries it): a
   * workflow that alone owns a metric may change it in a newer version (the metric is replaced, its
   * series start again), while runs of an older version still in flight keep recording into it as
   * far as it fits (same type; labels it lacks are empty, labels it has not are dropped).
   */
  declare(owner: string, declarations: readonly MetricDeclaration[], version = 0): MetricConflict[] {
    const conflicts: MetricConflict[] = [];
    for (const declaration of declarations) {
      const signature = signatureOf(declaration);
      const entry = this.entries.get(declaration.name);
      if (entry?.signature === signature) {
        entry.owners.add(owner);
        entry.version = Math.max(entry.version, version);
        continue;
      }
      if (entry) {
        const others = [...entry.owners].filter((o) => o !== owner);
        if (others.length > 0) {
          entry.owners.delete(owner);
          conflicts.push({
            name: declaration.name,
            message:
              `metric ${declaration.name} is already declared by workflow ${others[0]} as ${describe(entry.declaration)}; ` +
              `this workflow declares ${describe(declaration)}, so its values are not recorded. ` +
              'Rename the metric or declare it the same way.',
          });
          continue;
        }
        if (version < entry.version) continue;
        this.registry.removeSingleMetric(declaration.name);
        this.entries.delete(declaration.name);
      } else if (this.registry.getSingleMetric(declaration.name)) {
        conflicts.push({
          name: declaration.name,
          message: `metric ${declaration.name} is one of the controller's own metrics; rename the custom metric.`,
        });
        continue;
      }
      try {
        this.entries.set(declaration.name, {
          declaration,
          signature,
          metric: create(declaration, this.registry),
          owners: new Set([owner]),
          version,
        });
      } catch (error) {
        conflicts.push({
          name: declaration.name,
          message: `metric ${declaration.name}: ${(error as Error).message}`,
        });
      }
    }
    return conflicts;
  }

  /**
   * Feeds one value: a histogram or summary observes it, a gauge is set to it, a counter grows by
   * it. Ignored for a metric the owner does not hold (refused, or never declared) or that is now of
   * another type than the caller's workflow version says.
   */
  record(
    owner: string,
    name: string,
    type: CustomMetricKind,
    labels: Readonly<Record<string, string>>,
    value: number,
  ): void {
    const entry = this.entries.get(name);
    if (!entry?.owners.has(owner) || entry.declaration.type !== type) return;
    const values: Record<string, string> = {};
    for (const label of entry.declaration.labelNames) values[label] = labels[label] ?? '';
    const m = entry.metric;
    if (m instanceof Counter) m.inc(values, value);
    else if (m instanceof Gauge) m.set(values, value);
    else m.observe(values, value);
  }
}

function create(d: MetricDeclaration, registry: Registry): AnyMetric {
  const common = { name: d.name, help: d.help, labelNames: [...d.labelNames], registers: [registry] };
  switch (d.type) {
    case 'counter':
      return new Counter(common);
    case 'gauge':
      return new Gauge(common);
    case 'histogram':
      return new Histogram({ ...common, buckets: [...(d.buckets ?? DEFAULT_BUCKETS)] });
    case 'summary':
      // A sliding ten-minute window, so quantiles follow recent runs rather than all time.
      return new Summary({ ...common, percentiles: SUMMARY_PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5 });
  }
}

function signatureOf(d: MetricDeclaration): string {
  return JSON.stringify([
    d.type,
    [...d.labelNames].sort(),
    d.type === 'histogram' ? (d.buckets ?? DEFAULT_BUCKETS) : null,
  ]);
}

function describe(d: MetricDeclaration): string {
  return `a ${d.type} with labels ${d.labelNames.join(', ')}${d.type === 'histogram' && d.buckets ? ` and buckets ${d.buckets.join(', ')}` : ''}`;
}
