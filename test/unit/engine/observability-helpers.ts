// Workflows for the alert, notification and step-metric tests, written as users write them.
import assert from 'node:assert/strict';
import { loadWorkflow } from '../../../src/spec/load.ts';
import type { Workflow } from '../../../src/spec/model.ts';

export function workflowFrom(yaml: string): Workflow {
  const loaded = loadWorkflow(yaml, 'test.yaml');
  assert.ok(loaded.workflow, loaded.diagnostics.map((d) => `${d.path}: ${d.message}`).join('\n'));
  return loaded.workflow;
}
