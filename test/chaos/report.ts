// The chaos run's figures as printed by `npm run chaos`.
import type { ChaosReport, FaultKind } from './chaos.ts';

export function isClean(report: ChaosReport): boolean {
  return (
    report.duplicateExecutions === 0 &&
    report.unapprovedExecutions === 0 &&
    report.lostRuns === 0 &&
    report.stuckRuns === 0 &&
    report.wrongFinalPhases === 0
  );
}

export function formatReport(report: ChaosReport): string {
  const byKind = new Map<FaultKind, { count: number; longest: number }>();
  for (const fault of report.faults) {
    const entry = byKind.get(fault.kind) ?? { count: 0, longest: 0 };
    entry.count++;
    entry.longest = Math.max(entry.longest, fault.progressAfterMs ?? 0);
    byKind.set(fault.kind, entry);
  }
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `runs                        ${report.runs}`,
    `faults injected             ${report.faults.length}`,
    ...[...byKind].map(
      ([kind, e]) => `  ${kind.padEnd(26)}${e.count}  (longest to progress ${seconds(e.longest)})`,
    ),
    `duplicate executions        ${report.duplicateExecutions}`,
    `unapproved executions       ${report.unapprovedExecutions}`,
    `lost runs                   ${report.lostRuns}`,
    `stuck runs                  ${report.stuckRuns}`,
    `wrong final phases          ${report.wrongFinalPhases}`,
    `longest fault end→progress  ${seconds(report.longestRecoveryMs)}`,
    `duration                    ${seconds(report.durationMs)}`,
  ];
  if (report.details.length > 0) lines.push('', 'problems:', ...report.details.map((d) => `  ${d}`));
  return lines.join('\n');
}
