// --approve STEP,…: approvals given in advance. A name that is not a gated step of the workflow is
// an error with a suggestion: a typo must never leave a gate waiting while the user thinks it is
// approved.
import type { Plan } from '../engine/types.ts';
import { suggest } from '../template/index.ts';
import { UsageError } from './exit-codes.ts';

export function readApproveOption(values: Record<string, unknown>, plan: Plan): Set<string> {
  const names = ((values.approve as string[] | undefined) ?? [])
    .flatMap((a) => a.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const gated = plan.nodes.filter((n) => n.role === 'main' && n.step.manualApproval).map((n) => n.name);
  for (const name of names) {
    if (gated.includes(name)) continue;
    const known = plan.byName.has(name);
    const hint = suggest(name, gated);
    const which =
      gated.length > 0 ? `steps that wait for approval: ${gated.join(', ')}` : 'no step waits for approval';
    throw new UsageError(
      `--approve: ${known ? `step '${name}' does not wait for approval` : `no step '${name}' in ${plan.workflow.name}`}${hint ? ` (did you mean '${hint}'?)` : ''}; ${which}`,
    );
  }
  return new Set(names);
}
