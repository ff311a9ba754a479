// `npm run bench:argo`: Argo Workflows' workflow-controller (its defaults, then tuned) and Conveyor's
// controller side by side on one kwok-backed test cluster, one at a time, interleaved round by round,
// each on the same DAG (controller-round.ts); prints the medians of the rounds (with min-max) as a
// table, or with --json one JSON document.
//   --runs N (100)  --steps N (20)  --present N (1000)  --rounds N (3)
//   --controllers argo-default,argo-tuned,conveyor   --json
// CONVEYOR_BENCH_RUNS / _STEPS / _PRESENT_RUNS / _ROUNDS set the same defaults. Needs Go (the Argo
// controller is built from the Go module proxy by build-argo.sh into the control plane's cache).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { argoBuild, argoContender, ARGO_DEFAULT, ARGO_TUNED } from './argo-contender.ts';
import { benchCluster } from './bench-cluster.ts';
import { conveyorContender } from './conveyor-contender.ts';
import { measureRound } from './controller-round.ts';
import type { BenchSize, Contender, ControllerFigures } from './controller-round.ts';
import { benchDag } from './dag.ts';

export const CONTROLLERS = ['argo-default', 'argo-tuned', 'conveyor'] as const;
export type ControllerName = (typeof CONTROLLERS)[number];

/** The figures the table and the JSON document show, in order, with their labels. */
const FIGURES = [
  ['wallSeconds', 'wall time (s)'],
  ['stepsPerSecond', 'steps/s'],
  ['controllerRequestsPerStep', 'controller API requests per step'],
  ['allRequestsPerStep', "all clients' requests per step"],
  ['cpuMsPerStep', 'controller CPU per step (ms)'],
  ['rssIdleMiB', 'controller RSS idle (MiB)'],
  ['rssAfterMiB', 'controller RSS after the runs (MiB)'],
  ['hwmAfterMiB', 'controller peak RSS after the runs (MiB)'],
  ['rssWith1000MiB', 'controller RSS with N runs present (MiB)'],
  ['podToPodMedianMs', "pod finished -> dependent's pod created, median (ms)"],
  ['podToPodP99Ms', "pod finished -> dependent's pod created, p99 (ms)"],
  ['podEndToJobMedianMs', "Conveyor: pod finished -> dependent's Job created, median (ms)"],
  ['podEndToJobP99Ms', "Conveyor: pod finished -> dependent's Job created, p99 (ms)"],
  ['jobToPodMedianMs', 'Conveyor: Job created -> its pod created, median (ms)'],
  ['jobToPodP99Ms', 'Conveyor: Job created -> its pod created, p99 (ms)'],
  [
    'jobToJobMedianMs',
    "Conveyor: Job complete -> dependent's Job created, median (ms; < 0: marked complete after)",
  ],
  [
    'jobToJobP99Ms',
    "Conveyor: Job complete -> dependent's Job created, p99 (ms; < 0: marked complete after)",
  ],
] as const;
type FigureName = (typeof FIGURES)[number][0];

export interface ArgoBenchResult {
  readonly load: string;
  readonly size: BenchSize & { readonly rounds: number };
  /** Per controller, the median of its rounds for each figure. */
  readonly controllers: Partial<Record<ControllerName, Record<FigureName, number>>>;
  /** Per controller, each round's figures in full. */
  readonly rounds: Partial<Record<ControllerName, ControllerFigures[]>>;
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function figure(f: ControllerFigures, name: FigureName): number {
  return name in f ? (f[name as keyof ControllerFigures] as number) : (f.extra[name] ?? NaN);
}

const median = (values: readonly number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export async function benchArgo(options: {
  size: BenchSize;
  rounds: number;
  controllers: readonly ControllerName[];
  progress?: (line: string) => void;
}): Promise<ArgoBenchResult> {
  const progress = options.progress ?? (() => {});
  const cluster = await benchCluster({ requireKwok: true });
  try {
    const build = options.controllers.some((c) => c.startsWith('argo')) ? await argoBuild() : undefined;
    const contenders: Contender[] = options.controllers.map((name) => {
      if (name === 'conveyor') return conveyorContender();
      if (!build) throw new Error('unreachable: Argo not built');
      return argoContender(build, name === 'argo-tuned' ? ARGO_TUNED : ARGO_DEFAULT);
    });
    for (const c of contenders) await c.install(cluster.kubeconfig);
    const dag = benchDag(options.size.stepsPerRun);
    const rounds: Partial<Record<ControllerName, ControllerFigures[]>> = {};
    for (let r = 1; r <= options.rounds; r++) {
      for (const contender of contenders) {
        progress(`round ${r}/${options.rounds}: ${contender.name} (load ${load()})`);
        const figures = await measureRound(
          contender,
          cluster.kubeconfig,
          options.size,
          dag,
          cluster.placement,
        );
        progress(`  ${JSON.stringify(figures)}`);
        (rounds[contender.name as ControllerName] ??= []).push(figures);
      }
    }
    const controllers: ArgoBenchResult['controllers'] = {};
    for (const [name, list] of Object.entries(rounds) as [ControllerName, ControllerFigures[]][]) {
      controllers[name] = Object.fromEntries(
        FIGURES.map(([key]) => [key, median(list.map((f) => figure(f, key)))]),
      ) as Record<FigureName, number>;
    }
    return { load: load(), size: { ...options.size, rounds: options.rounds }, controllers, rounds };
  } finally {
    await cluster.stop();
  }
}

/** The side-by-side table: one row per figure, one column per controller, median (min-max). */
export function formatTable(result: ArgoBenchResult): string {
  const names = Object.keys(result.rounds) as ControllerName[];
  const fmt = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '');
  const rows = FIGURES.map(([key, label]) => [
    label.replace('N runs', `${result.rounds[names[0] as ControllerName]?.[0]?.presentRuns ?? 'N'} runs`),
    ...names.map((name) => {
      const values = (result.rounds[name] ?? []).map((f) => figure(f, key)).filter(Number.isFinite);
      if (values.length === 0) return '';
      const mid = fmt(result.controllers[name]?.[key] ?? NaN);
      return values.length === 1 ? mid : `${mid} (${fmt(Math.min(...values))}-${fmt(Math.max(...values))})`;
    }),
  ]);
  const table = [['', ...names], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const { size } = result;
  return [
    `${size.runs} runs x ${size.stepsPerRun} steps, ${size.rounds} round(s) each, interleaved; median (min-max); load average at the end ${result.load}`,
    line(table[0]!),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: env.CONVEYOR_BENCH_RUNS ?? '100' },
      steps: { type: 'string', default: env.CONVEYOR_BENCH_STEPS ?? '20' },
      present: { type: 'string', default: env.CONVEYOR_BENCH_PRESENT_RUNS ?? '1000' },
      rounds: { type: 'string', default: env.CONVEYOR_BENCH_ROUNDS ?? '3' },
      controllers: { type: 'string', default: CONTROLLERS.join(',') },
    },
  });
  const controllers = values.controllers.split(',').filter(Boolean);
  const unknown = controllers.filter((c) => !(CONTROLLERS as readonly string[]).includes(c));
  if (unknown.length > 0) {
    console.error(`bench:argo: unknown controller ${unknown.join(', ')} (known: ${CONTROLLERS.join(', ')})`);
    process.exit(2);
  }
  const result = await benchArgo({
    size: { runs: Number(values.runs), stepsPerRun: Number(values.steps), present: Number(values.present) },
    rounds: Number(values.rounds),
    controllers: controllers as ControllerName[],
    progress: (line) => console.error(`bench:argo: ${line}`),
  });
  console.log(values.json ? JSON.stringify(result, null, 2) : formatTable(result));
}
