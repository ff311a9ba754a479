// `npm run chaos [-- --runs N]`: the chaos run on a control plane of its own, with its figures printed.
// Exits 1 when any count is not zero.
import { parseArgs } from 'node:util';
import { startCluster } from '../cluster/harness.ts';
import { runChaos, type ChaosStep } from './chaos.ts';
import { formatReport, isClean } from './report.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '40' }, keep: { type: 'boolean', default: false } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number`);

/** Each fault kind at least twice, in both controller set-ups. */
const FULL_SEQUENCE: ChaosStep[] = [
  'kill-controller',
  'delete-job',
  'restart-apiserver',
  'orphan-job',
  'kill-controller',
  'delete-job',
  'leader-election',
  'kill-leader',
  'orphan-job',
  'freeze-leader',
  'restart-apiserver',
  'kill-leader',
  'freeze-leader',
];

const say = (line: string) => console.error(`[chaos] ${line}`);
const cluster = await startCluster({ log: (line) => say(`cluster: ${line}`) });
const report = await runChaos({ cluster, runs, steps: FULL_SEQUENCE, log: say }).finally(() =>
  values.keep ? undefined : cluster.stop(),
);
console.log(formatReport(report));
process.exit(isClean(report) ? 0 : 1);
