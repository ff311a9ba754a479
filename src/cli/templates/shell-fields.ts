// The fields of a workflow document that the engine renders as shell (a step's `command`,
// `script` and `rollback`), in every list of steps the language has, with their field paths.
import { isMap, isScalar, isSeq } from 'yaml';
import type { Scalar, YAMLMap } from 'yaml';
import type { PathSegment } from '../../spec/field-path.ts';

export interface ShellField {
  readonly path: readonly PathSegment[];
  readonly node: Scalar<string>;
}

const SHELL_KEYS = ['command', 'script', 'rollback'] as const;
/** Keys of a step that hold more steps. */
const STEP_LIST_KEYS = ['steps', 'on_failure', 'on_retry', 'fallback_steps'];
/** Keys of the workflow that hold steps, directly or one mapping down. */
const WORKFLOW_STEP_LISTS: readonly (readonly string[])[] = [
  ['prerequisites'],
  ['steps'],
  ['on_success'],
  ['on_failure'],
  ['post_execution', 'success'],
  ['post_execution', 'failure'],
  ['rollback', 'steps'],
  ['recovery', 'actions'],
  ['actions'],
];

export function shellFields(body: YAMLMap): ShellField[] {
  const out: ShellField[] = [];
  for (const path of WORKFLOW_STEP_LISTS) visitList(body.getIn(path, true), [...path], out);
  return out;
}

function visitList(list: unknown, path: PathSegment[], out: ShellField[]): void {
  if (!isSeq(list)) return;
  list.items.forEach((step, i) => {
    if (!isMap(step)) return;
    const at = [...path, i];
    for (const key of SHELL_KEYS) {
      const node = step.get(key, true);
      if (isScalar(node) && typeof node.value === 'string')
        out.push({ path: [...at, key], node: node as Scalar<string> });
    }
    for (const key of STEP_LIST_KEYS) visitList(step.get(key, true), [...at, key], out);
  });
}
