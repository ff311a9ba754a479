// A workflow file's document as written (not normalised): what `kubectl apply` of the wrapped file
// would send. A file that already is a `Workflow` resource gives its spec.
import { parseSource } from '../../spec/source.ts';

/** Call only on text that loadWorkflow accepted, so that it parses. */
export function workflowDocument(text: string, file: string): Record<string, unknown> {
  const parsed = parseSource(text, file);
  const value = (parsed.ok ? parsed.source.value : {}) as Record<string, unknown>;
  if (value.kind === 'Workflow') return { ...((value.spec ?? {}) as Record<string, unknown>) };
  return value;
}
