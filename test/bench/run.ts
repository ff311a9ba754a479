// `npm run bench`: prints the project's performance figures. Each figure is measured in this
// process against a reference measured in the same run, never against a fixed threshold.
import { benchControllerScale } from './controller-scale.ts';
import { benchEngine } from './engine.ts';
import { benchLocalVsMake, type Timing } from './local-vs-make.ts';
import { benchOperator } from './operator.ts';
import { benchStartup } from './startup.ts';
import { benchStatusSize } from './status-size.ts';
import { benchValidation } from './validation.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAndInstall } from '../e2e/package-source.ts';

const only = process.argv.slice(2);
/** The package as users install it, packed and installed once for the figures that call it. */
let installed: string | undefined;
const installedPrefix = (): string => {
  if (installed === undefined) {
    installed = packAndInstall(mkdtempSync(join(tmpdir(), 'conveyor-installed-'))).prefix;
    const prefix = installed;
    process.on('exit', () => rmSync(join(prefix, '..'), { recursive: true, force: true }));
  }
  return installed;
};
const wanted = (name: string): boolean => only.length === 0 || only.includes(name);
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

if (wanted('startup')) {
  const s = benchStartup(installedPrefix());
  const cell = (ms: number): string => `${ms.toFixed(0)} ms ${(ms / s.nodeMs).toFixed(2)}x`.padEnd(16);
  console.log(
    `startup: CPU per call (user+system, mean of ${s.rounds}) against node -e 0 = ${s.nodeMs.toFixed(0)} ms`,
  );
  console.log(`  ${'command'.padEnd(14)}${'installed'.padEnd(16)}${'checkout bin'.padEnd(16)}npx conveyor`);
  for (const r of s.rows) {
    console.log(`  ${r.command.padEnd(14)}${cell(r.installedMs)}${cell(r.checkoutMs)}${cell(r.npxMs)}`);
  }
}
if (wanted('validation')) {
  const v = benchValidation();
  console.log(
    `validation: ${v.steps}-step workflow (${(v.bytes / 1024).toFixed(0)} KiB): best ${fmt(v.bestMs)}, median ${fmt(v.medianMs)}`,
  );
}
if (wanted('engine')) {
  const e = await benchEngine();
  console.log(
    `engine: ${e.steps}-step DAG run to completion: ${fmt(e.engineMs)} in the engine over ${e.decideCalls} decide calls`,
  );
}
if (wanted('local')) {
  for (const [steps, parallel] of [
    [1000, 8],
    [2000, 16],
  ] as const) {
    const l = benchLocalVsMake(join(installedPrefix(), 'bin', 'conveyor'), steps, parallel);
    const cell = (t: Timing): string =>
      `${fmt(t.wallMs)} ${t.wallRatio.toFixed(2)}x, CPU ${fmt(t.cpuMs)} ${t.cpuRatio.toFixed(2)}x`;
    console.log(
      `local run: ${l.steps}-step DAG of 'true' at --parallel ${l.parallel} (load ${l.load.map((x) => x.toFixed(1)).join(' -> ')}), wall and CPU, best of 3, against make -j${l.parallel}: ${fmt(l.make.wallMs)}, CPU ${fmt(l.make.cpuMs)}`,
    );
    console.log(`  installed conveyor   ${cell(l.installed)}`);
    console.log(`  npx conveyor         ${cell(l.npx)}`);
    console.log(`  node bin/conveyor.js ${cell(l.checkout)} (${l.cli})`);
    if (l.floor) {
      console.log(
        `  reference, not conveyor: a bare Node driver of the same native launcher (launcher-floor.mjs)`,
      );
      console.log(`    with a log file per step ${cell(l.floor.logFiles)}`);
      console.log(`    output to /dev/null      ${cell(l.floor.noLogs)}`);
      // What conveyor's own work (engine, journal, state, progress, its start) adds to that floor.
      const logs = l.floor.logFiles;
      console.log(
        `    installed conveyor against it (log files): wall ${(l.installed.wallMs / logs.wallMs).toFixed(2)}x, CPU ${(l.installed.cpuMs / logs.cpuMs).toFixed(2)}x`,
      );
    } else console.log('  (no native launcher here: no floor reference)');
  }
}
if (wanted('status')) {
  const s = benchStatusSize();
  const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
  console.log(
    `status size: ${s.steps}-step run finished: status ${kib(s.statusBytes)} (${(s.fractionOfLimit * 100).toFixed(0)}% of the 1.5 MiB request limit; steps ${kib(s.stepsBytes)}, engine state ${kib(s.engineBytes)} from ${kib(s.engineRawBytes)} JSON), + managedFields ~${kib(s.managedFieldsBytes)} stored = ${(((s.statusBytes + s.managedFieldsBytes) / (1.5 * 1024 * 1024)) * 100).toFixed(0)}% of etcd's 1.5 MiB (above it the API server drops managedFields); pinned workflow ConfigMap ${kib(s.pinnedBytes)} of 1 MiB`,
  );
}
if (wanted('operator')) {
  const o = await benchOperator();
  const jobToJob = `median ${fmt(o.extra.jobToJobMedianMs ?? NaN)}, p99 ${fmt(o.extra.jobToJobP99Ms ?? NaN)}`;
  console.log(
    `operator: ${o.runs} runs x ${o.stepsPerRun} steps${o.kwok ? ' on kwok nodes' : ' as real pods'}: ${o.stepsPerSecond.toFixed(1)} steps/s (${o.steps} in ${o.wallSeconds.toFixed(1)} s; ${o.rawJobs} plain Jobs by kubectl ${o.rawJobsPerSecond.toFixed(1)}/s, ratio ${(o.stepsPerSecond / o.rawJobsPerSecond).toFixed(2)}x), API requests per step: controller ${o.controllerRequestsPerStep.toFixed(2)} (counted in-process), all clients ${o.allRequestsPerStep.toFixed(1)} (apiserver_request_total); controller CPU ${o.cpuMsPerStep} ms per step; pod finished -> dependent's pod created: median ${fmt(o.podToPodMedianMs)}, p99 ${fmt(o.podToPodP99Ms)} (${o.podToPodSamples} edges); Job finished -> dependent's Job created: ${jobToJob}; controller RSS ${o.rssIdleMiB} MiB idle, ${o.rssAfterMiB} MiB after the runs (peak ${o.hwmAfterMiB}), ${o.rssWith1000MiB} MiB with ${o.presentRuns} runs; load ${o.load}; controller requests per step by kind ${JSON.stringify(o.requestsByKind)}`,
  );
}
if (wanted('scale')) {
  const c = await benchControllerScale();
  const a = c.scale;
  console.log(
    `controller start: time to first reconcile with ${c.firstReconcile.finishedRuns} finished runs present: ${c.firstReconcile.ms} ms from spawning it to a new run's status written; with ${a.finishedRuns} finished and ${a.activeRuns} new runs: ready (/readyz) after ${a.readyMs} ms, every new run reconciled after ${a.activeReconciledMs} ms, RSS ${a.rssMiB} MiB (peak ${a.hwmMiB} MiB); every finished run cached too after ${a.allCachedMs} ms, RSS ${a.allCachedRssMiB} MiB (peak ${a.allCachedHwmMiB} MiB); load ${c.load} (writing the finished runs took ${c.setupSeconds} s)`,
  );
}
