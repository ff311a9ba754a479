// @cluster own
// The short chaos run CI makes (`npm run chaos` is the long one): concurrent runs with retries,
// failures and approvals on a control plane of this file's own while the controller is killed, the
// API server restarts and running steps' Jobs are deleted (also with --cascade=orphan); what the
// steps wrote must show no step attempt run twice, no gated step run unapproved, and every run
// finished in the phase it should.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runChaos, type ChaosReport } from '../chaos/chaos.ts';
import { formatReport } from '../chaos/report.ts';
import { useOwnCluster } from './own-cluster.ts';

const suite = await useOwnCluster();

describe('the operator under chaos (short)', suite.options, () => {
  let report: ChaosReport;

  test('runs finish as they should through a controller kill, an API server restart and Job deletions', async (t) => {
    report = await runChaos({
      cluster: suite.get(),
      runs: 12,
      steps: ['kill-controller', 'restart-apiserver', 'delete-job', 'orphan-job'],
      apiDownMs: 5_000,
      gapMs: 2_000,
      settleMs: 90_000,
      log: (line) => console.error(`[chaos] ${line}`),
    });
    const shown = `${formatReport(report)}\n--- controller log (tail) ---\n${report.controllerLog.slice(-6000)}`;
    for (const line of formatReport(report).split('\n')) t.diagnostic(line);
    assert.equal(report.faults.length, 4, shown);
    assert.equal(report.duplicateExecutions, 0, shown);
    assert.equal(report.unapprovedExecutions, 0, shown);
    assert.equal(report.lostRuns, 0, shown);
    assert.equal(report.stuckRuns, 0, shown);
    assert.equal(report.wrongFinalPhases, 0, shown);
  });
});
