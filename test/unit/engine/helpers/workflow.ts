// Small builders for normalised workflows, so that engine tests state only what matters to them.
import type { Step, Workflow } from '../../../../src/spec/model.ts';

export function step(name: string, over: Partial<Step> = {}): Step {
  return {
    name,
    generatedName: false,
    kind: 'command',
    command: `run ${name}`,
    dynamic: false,
    steps: [],
    parallel: false,
    dependsOn: [],
    continueOnError: false,
    manualApproval: false,
    fallbackSteps: [],
    onFailure: [],
    onRetry: [],
    atomic: false,
    env: {},
    idempotent: false,
    source: { path: name },
    ...over,
  };
}

export function group(name: string, steps: Step[], over: Partial<Step> = {}): Step {
  const { command: _command, ...rest } = step(name);
  return { ...rest, kind: 'group', steps, ...over };
}

export function parallel(name: string, steps: Step[], over: Partial<Step> = {}): Step {
  return group(name, steps, { parallel: true, ...over });
}

export function workflow(steps: readonly Step[], over: Partial<Workflow> = {}): Workflow {
  return {
    name: 'test',
    parameters: [],
    variables: [],
    conditions: [],
    validations: [],
    prerequisites: [],
    steps,
    onFailure: [],
    onSuccess: [],
    postExecution: { success: [], failure: [] },
    errorHandling: { strategy: 'fail_fast' },
    actions: [],
    circuitBreakers: {},
    schedules: [],
    ...over,
  };
}
