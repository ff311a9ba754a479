// The controller's WorkflowRun cache, in two halves the API server sorts by phase (a field selector on
// status.phase, which the CRD declares selectable): the unfinished runs, listed first, and the
// finished ones (one cache per finished phase), listed once the unfinished ones are in.
//
// Why: at start-up with 10,000 finished runs and 100 that need work, one list of every run took the
// API server 20 s of serialising ~100 MB on a busy machine, and no run could be reconciled before it
// ended. A run's reconcile reads only that run, so it needs only the cache that holds it to be
// synced: the unfinished cache, a few hundred KB. What reads the finished runs too (a Workflow's last
// run, its history limits, a new run's resumeFrom) waits for them (`complete`).
//
// Every run is in exactly one half at the API server; while one moves (a run that finishes leaves the
// unfinished watch and enters a finished one), the two watches may show it in both or, for a moment,
// in neither: readers see the unfinished copy first, and a finished run that still needs work (a
// rollback requested, its spec edited) is reconciled from the finished cache, where it is kept whole.
//
// An API server that cannot select on status.phase (Kubernetes 1.30 without the
// CustomResourceFieldSelectors gate answers 400) gets one cache of every run, as before.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CacheSource } from '../kube/informer-set.ts';
import type { CacheChange } from '../kube/object-cache.ts';
import { keyOf } from '../kube/object-key.ts';

export const FINISHED_RUN_PHASES = ['Succeeded', 'Failed', 'Cancelled'] as const;

/** Runs whose phase is none of the finished ones (a new run has none yet, which matches). */
export const UNFINISHED_RUNS_SELECTOR = FINISHED_RUN_PHASES.map((p) => `status.phase!=${p}`).join(',');

export const finishedRunsSelector = (phase: (typeof FINISHED_RUN_PHASES)[number]): string =>
  `status.phase=${phase}`;

/** The two ways of caching runs: split by phase, or one cache of all (no field selectors). */
export interface RunCacheLayouts {
  readonly split: {
    readonly unfinished: CacheSource<KubernetesObject>;
    readonly finished: readonly CacheSource<KubernetesObject>[];
  };
  readonly whole: CacheSource<KubernetesObject>;
  /**
   * Whether the API server selects runs by status.phase: resolves true or false once it answered,
   * rejects only when `signal` aborts. Undefined: split without asking (no probe needed).
   */
  readonly canSplit?: (signal: AbortSignal) => Promise<boolean>;
  /**
   * Resolves when the finished runs may be listed, after the unfinished ones are in (the controller:
   * once the first reconciles are done). Default: at once.
   */
  readonly finishedAfter?: (signal: AbortSignal) => Promise<void>;
}

type Handler = (change: CacheChange<KubernetesObject>) => void;

export class RunCaches implements CacheSource<KubernetesObject> {
  readonly name = 'workflowruns';
  private first: CacheSource<KubernetesObject>[] = [];
  private later: CacheSource<KubernetesObject>[] = [];
  private readonly handlers = new Set<Handler>();
  private readonly stopping = new AbortController();
  private chosen: Promise<void> | undefined;
  private laterStarted = false;
  /** Called once every run is cached (the finished ones too). */
  onComplete: (() => void) | undefined;

  constructor(private readonly layouts: RunCacheLayouts) {}

  /** Which layout is in use: undefined until chosen. */
  get layout(): 'split' | 'whole' | undefined {
    if (this.first.length === 0) return undefined;
    return this.first[0] === this.layouts.whole ? 'whole' : 'split';
  }

  private get parts(): CacheSource<KubernetesObject>[] {
    return [...this.first, ...this.later];
  }

  /** The unfinished runs are cached and current: runs may be reconciled. */
  get hasSynced(): boolean {
    return this.first.length > 0 && this.first.every((p) => p.hasSynced);
  }

  /** Every run is cached, the finished ones too: what reads all of a Workflow's runs may act. */
  get complete(): boolean {
    return this.hasSynced && this.later.every((p) => p.hasSynced);
  }

  /**
   * Current for /readyz: the unfinished half is, and the finished half is too once it has synced
   * (until then the controller reconciles runs and holds Workflows back, which is working).
   */
  get isCurrent(): boolean {
    return (
      this.hasSynced &&
      this.first.every((p) => p.isCurrent) &&
      this.later.every((p) => p.isCurrent || !p.hasSynced)
    );
  }

  describeStaleness(): string | undefined {
    if (this.first.length === 0) return 'not started yet';
    for (const p of this.first) {
      const why = p.describeStaleness();
      if (why) return `${p.name}: ${why}`;
    }
    for (const p of this.later) {
      const why = p.hasSynced ? p.describeStaleness() : undefined;
      if (why) return `${p.name}: ${why}`;
    }
    return undefined;
  }

  on(event: 'change', handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  start(): void {
    this.chosen ??= this.choose().then(
      () => {
        for (const p of this.first) p.start();
        void this.startLater();
      },
      () => undefined,
    );
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.chosen;
    await Promise.all(this.parts.map((p) => p.stop()));
  }

  /** Resolves true once the unfinished runs are cached (false if stopped first). */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    this.start();
    await this.chosen;
    if (this.first.length === 0) return false;
    const synced = await Promise.all(this.first.map((p) => p.waitForSync(signal)));
    return synced.every(Boolean);
  }

  get(namespace: string | undefined, name: string): KubernetesObject | undefined {
    let found: KubernetesObject | undefined;
    for (const p of this.parts) found = newerOf(found, p.get(namespace, name));
    return found;
  }

  /** Goes to the cache that holds the version the write was based on; the others ignore it. */
  observeWrite(written: KubernetesObject, basedOn: string | undefined): void {
    for (const p of this.parts) p.observeWrite(written, basedOn);
  }

  /** Each run once (its newer copy, should a run be in both halves while it moves). */
  list(namespace?: string): KubernetesObject[] {
    const all = new Map<string, KubernetesObject>();
    for (const p of this.parts) {
      for (const o of p.list(namespace)) {
        const key = keyOf(o.metadata?.namespace, o.metadata?.name ?? '');
        all.set(key, newerOf(all.get(key), o) as KubernetesObject);
      }
    }
    return [...all.values()];
  }

  keys(): string[] {
    return [...new Set(this.parts.flatMap((p) => p.keys()))];
  }

  isWedged(): boolean {
    return this.parts.some((p) => p.isWedged());
  }

  private async choose(): Promise<void> {
    const { split, whole, canSplit } = this.layouts;
    const useSplit = canSplit ? await canSplit(this.stopping.signal) : true;
    this.first = useSplit ? [split.unfinished] : [whole];
    this.later = useSplit ? [...split.finished] : [];
    for (const p of this.parts) p.on('change', (c) => this.forward(p, c));
  }

  /**
   * A run that moves between halves is one run changing, never one added or deleted: its arrival in
   * one half while the other still holds it, and its leaving one half while the other holds it
   * already, are told as an update (a deletion would make readers forget a live run, and a reader of
   * the arrival would see the copy it replaces).
   */
  private forward(from: CacheSource<KubernetesObject>, change: CacheChange<KubernetesObject>): void {
    const meta = change.object.metadata;
    const elsewhere = this.parts
      .filter((p) => p !== from)
      .map((p) => p.get(meta?.namespace, meta?.name ?? ''))
      .find((o) => o !== undefined && o.metadata?.uid === meta?.uid);
    let told = change;
    if (elsewhere && change.type === 'added')
      told = { type: 'updated', object: change.object, old: elsewhere };
    else if (elsewhere && change.type === 'deleted')
      told = { type: 'updated', object: newerOf(elsewhere, change.object)!, old: change.object };
    this.handlers.forEach((h) => h(told));
  }

  /**
   * The finished runs are listed once the unfinished ones are in, and after `finishedAfter`: their
   * list is large (the API server's serialising and our parsing of it), and the first reconciles
   * should not compete with it.
   */
  private async startLater(): Promise<void> {
    if (this.later.length > 0) {
      if (!(await this.waitForSync(this.stopping.signal))) return;
      await this.layouts.finishedAfter?.(this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      this.laterStarted = true;
      for (const p of this.later) p.start();
      const synced = await Promise.all(this.later.map((p) => p.waitForSync(this.stopping.signal)));
      if (!synced.every(Boolean)) return;
    }
    this.onComplete?.();
  }

  /** Whether the finished half has been started (for tests and logs). */
  get finishedStarted(): boolean {
    return this.laterStarted;
  }
}

/**
 * The later of two copies of one run. resourceVersions are etcd revisions, integers that only grow;
 * should a server give others, the first copy (the unfinished half's) is kept.
 */
function newerOf(
  a: KubernetesObject | undefined,
  b: KubernetesObject | undefined,
): KubernetesObject | undefined {
  if (!a || !b) return a ?? b;
  const [ra, rb] = [a.metadata?.resourceVersion ?? '', b.metadata?.resourceVersion ?? ''];
  if (!/^\d+$/.test(ra) || !/^\d+$/.test(rb)) return a;
  return BigInt(rb) > BigInt(ra) ? b : a;
}
