// Warns where a template value lands inside a nested shell (`sh -c "…"`, `eval`, `ssh HOST "…"`,
// `su -c`, a script fed to a shell on stdin): escaping protects the shell that runs the step, not
// the second one that parses the value again. Located at the value, with the safe alternative.
import { parseTemplate } from '../template/index.ts';
import { findNestedShellValues } from '../template/nested-shell.ts';
import { fieldDiagnostic } from './diagnostics.ts';
import type { Diagnostic, TemplateLocator } from './diagnostics.ts';
import type { Workflow } from './model.ts';
import { walkSteps } from './step-walk.ts';

const SHELL_NAMES = /^(?:.*\/)?(?:sh|bash|zsh|ksh|dash|ash|mksh)$/;

/** A script whose shebang names another interpreter (python, node…) is not shell code. */
function isShellScript(script: string): boolean {
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(script);
  if (!shebang) return true;
  const program = shebang[1]!.endsWith('/env') ? (shebang[2] ?? '') : shebang[1]!;
  return SHELL_NAMES.test(program);
}

export function checkNestedShells(
  workflow: Workflow,
  file: string | undefined,
  locateTemplate: TemplateLocator | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { step } of walkSteps(workflow)) {
    // A step with its own interpreter (`shell: python3 -c`) is not read as shell code.
    if (step.shell !== undefined && !SHELL_NAMES.test(step.shell.trim().split(/\s+/)[0] ?? '')) continue;
    const fields: [string, string | undefined][] = [
      ['command', step.command],
      ['script', step.script !== undefined && isShellScript(step.script) ? step.script : undefined],
      ['rollback', step.rollbackCommand],
    ];
    for (const [field, source] of fields) {
      if (source === undefined || !source.includes('{{')) continue;
      const parsed = parseTemplate(source);
      if ('error' in parsed) continue; // reported by the template check
      for (const found of findNestedShellValues(parsed.template)) {
        const finding = { severity: 'warning', code: 'nested-shell-value', message: found.message } as const;
        const at = locateTemplate?.(step.source, field, found.offset);
        out.push(fieldDiagnostic(finding, step.source, field, file, at));
      }
    }
  }
  return out;
}
