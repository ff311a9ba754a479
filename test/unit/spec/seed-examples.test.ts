// The ten workflows of the seed validate unchanged, with the warnings a careful reader expects.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatDiagnostic } from '../../../src/spec/diagnostics.ts';
import { loadWorkflow } from '../../../src/spec/load.ts';

const SEED = [
  'basic-deployment',
  'advanced-deployment',
  'parallel-operations',
  'resource-management',
  'conditional-deployment',
  'environment-specific',
  'error-handling',
  'circuit-breaker',
  'with-metrics',
  'best-practice-example',
];

function load(name: string) {
  const file = `examples/${name}.yaml`;
  return loadWorkflow(readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8'), file);
}

for (const name of SEED) {
  test(`the seed workflow ${name} validates`, () => {
    const result = load(name);
    const errors = result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    assert.deepEqual(errors, []);
    assert.ok(result.workflow);
  });
}

test('unnamed steps get stable generated names from their group', () => {
  const wf = load('environment-specific').workflow;
  assert.deepEqual(
    wf?.steps[0]?.steps.map((s) => s.name),
    ['development_setup.1', 'development_setup.2', 'development_setup.3'],
  );
});

test('the empty deployment group of best-practice-example is a warning', () => {
  const result = load('best-practice-example');
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic);
  assert.ok(
    warnings.some((w) => w.includes("group 'deployment_execution' has no steps")),
    warnings.join('\n'),
  );
});

test('undefined recovery actions and conditions that nothing raises are warnings', () => {
  const warnings = load('error-handling').diagnostics.map(formatDiagnostic);
  assert.ok(warnings.some((w) => w.includes("action 'restart_service' is not defined")));
  assert.ok(warnings.some((w) => w.includes("condition 'service_down' is never raised")));
});

test('durations and quantities are parsed once into milliseconds, millicores and bytes', () => {
  const wf = load('resource-management').workflow;
  assert.deepEqual(wf?.resourceLimits, { maxParallel: 5, cpuMillis: 4000, memoryBytes: 2 * 1024 ** 3 });
  const group = wf?.steps[0];
  assert.deepEqual(group?.resourceRequirements, { cpuMillis: 2000, memoryBytes: 1024 ** 3 });
  assert.deepEqual(group?.steps[1]?.resources, { cpuMillis: 500, memoryBytes: 256 * 1024 ** 2 });
  const risky = load('error-handling').workflow?.steps[0];
  assert.equal(risky?.timeoutMs, 300_000);
  assert.deepEqual(risky?.retry, {
    attempts: 3,
    delayMs: 60_000,
    backoff: 'exponential',
    maxDelayMs: undefined,
  });
});

test("a parameter of type 'list' is normalised to 'array'", () => {
  const wf = load('basic-deployment').workflow;
  assert.equal(wf?.parameters.find((p) => p.name === 'services')?.type, 'array');
});
