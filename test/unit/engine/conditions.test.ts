// Conditions, outputs and rendering: when/condition at readiness, capture_output, templates in commands.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phases, run } from './helpers/run.ts';
import { group, parallel, step, workflow } from './helpers/workflow.ts';

describe('conditions and outputs', () => {
  it('skips a step whose when is false and lets its dependents run', () => {
    const r = run(
      workflow([step('backup_check', { when: '{{ .is_production }}' }), step('deploy')]),
      {},
      { context: { is_production: false } },
    );
    assert.deepEqual(phases(r.plan, r.state, ['backup_check', 'deploy']), {
      backup_check: 'Skipped:ConditionFalse',
      deploy: 'Succeeded',
    });
    assert.deepEqual(r.order(), ['deploy']);
    assert.equal(r.state.phase, 'Succeeded');
  });

  it('skips a whole group and its descendants when the group condition is false (environment-specific)', () => {
    const envGroup = (name: string, env: string): ReturnType<typeof group> =>
      group(name, [step(`${name}.1`), step(`${name}.2`)], { when: `{{ .environment == '${env}' }}` });
    const r = run(
      workflow([
        envGroup('development_setup', 'development'),
        envGroup('staging_setup', 'staging'),
        envGroup('production_setup', 'production'),
      ]),
      {},
      { context: { environment: 'staging' } },
    );
    assert.deepEqual(r.order(), ['staging_setup.1', 'staging_setup.2']);
    assert.equal(r.step('development_setup.2').phase, 'Skipped');
    assert.equal(r.step('development_setup.2').reason, 'ConditionFalse');
    assert.equal(r.step('production_setup').phase, 'Skipped');
  });

  it('stores the trimmed stdout of capture_output and lets a later condition read it', () => {
    const status = JSON.stringify([{ name: 'api', health_score: 60 }]);
    const condition = [
      '{{- $status := .outputs.status_check | fromJSON -}}',
      '{{- range $status -}}',
      '{{- if and (eq .name "api") (lt .health_score 80) -}}true{{- end -}}',
      '{{- end -}}',
    ].join('\n');
    const r = run(
      workflow([
        step('environment_check', { captureOutput: 'status_check' }),
        group('conditional_deployment', [step('deploy_api')], { when: condition }),
      ]),
      { script: { environment_check: { output: `\n  ${status}\n` } } },
    );
    assert.equal(r.state.outputs.status_check, status);
    assert.deepEqual(r.order(), ['environment_check', 'deploy_api']);
  });

  it('decides a condition on an output only once the producing step has ended', () => {
    const r = run(
      workflow([
        parallel('p', [
          step('probe', { captureOutput: 'ready' }),
          step('act', { when: "{{ .outputs.ready == 'yes' }}" }),
        ]),
      ]),
      { script: { probe: { output: 'yes', durationMs: 40 } } },
    );
    assert.equal(r.main('act').start, 40);
  });

  it('reads a missing output as empty in a condition', () => {
    const r = run(
      workflow([
        step('maybe', { when: 'false', captureOutput: 'x' }),
        step('use', { when: '{{ .outputs.x }}' }),
      ]),
    );
    assert.equal(r.step('use').phase, 'Skipped');
  });

  it('fails the step, with a clear message, when its output passes the bound', () => {
    const r = run(
      workflow([step('chatty', { captureOutput: 'out' })]),
      {
        script: { chatty: { output: 'x'.repeat(2048) } },
      },
      { options: { maxOutputBytes: 1024 } },
    );
    assert.equal(r.step('chatty').phase, 'Failed');
    assert.equal(r.step('chatty').reason, 'OutputTooLarge');
    assert.match(r.step('chatty').message ?? '', /larger than 1 KiB/);
    assert.equal(r.state.outputs.out, undefined);
  });

  it('fails the step when the executor reports a truncated capture', () => {
    const r = run(workflow([step('chatty', { captureOutput: 'out' })]), {
      script: { chatty: { output: 'x', outputTruncated: true } },
    });
    assert.equal(r.step('chatty').reason, 'OutputTooLarge');
  });

  it('renders commands at start time with parameters, outputs and the run id, shell-escaped', () => {
    const r = run(
      workflow([
        step('version', { captureOutput: 'version' }),
        step('deploy', {
          command: 'deploy --env {{ .environment }} --tag {{ .outputs.version }} --run {{ .workflow_id }}',
        }),
        step('hostile', { command: 'echo {{ .message }}' }),
      ]),
      { script: { version: { output: 'v2.1.0' } } },
      { context: { environment: 'staging', workflow_id: 'run-1', message: '$(rm -rf /)' } },
    );
    assert.equal(r.main('deploy').command, 'deploy --env staging --tag v2.1.0 --run run-1');
    assert.equal(r.main('hostile').command, "echo '$(rm -rf /)'");
  });

  it('fails a step whose command cannot be rendered, without retrying it', () => {
    const r = run(
      workflow([
        step('bad', {
          command: 'echo {{ .missing.deep }}',
          retry: { attempts: 3, delayMs: 10, backoff: 'constant' },
        }),
      ]),
    );
    assert.equal(r.step('bad').phase, 'Failed');
    assert.equal(r.step('bad').reason, 'RenderError');
    assert.equal(r.attempts.length, 0);
  });

  it('fails a step whose condition cannot be evaluated', () => {
    const r = run(workflow([step('odd', { when: '{{ .x | nosuchfunction }}' })]));
    assert.equal(r.step('odd').phase, 'Failed');
    assert.equal(r.step('odd').reason, 'ConditionError');
  });

  it('passes script steps, shell, env, timeout, resources and image to the executor', () => {
    const r = run(
      workflow([
        step('scale', {
          kind: 'script',
          command: undefined,
          script: '#!/bin/bash\necho {{ .environment }}',
          dynamic: true,
          shell: 'bash',
          env: { TARGET: '{{ .environment }}' },
          timeoutMs: 60_000,
          image: 'alpine:3',
          resources: { cpuMillis: 100 },
        }),
      ]),
      {},
      { context: { environment: 'prod' } },
    );
    const start = r.actions.find((a) => a.action.kind === 'startAttempt')?.action;
    assert.deepEqual(start, {
      kind: 'startAttempt',
      attemptId: 'scale-1',
      step: 'scale',
      attempt: 1,
      purpose: 'main',
      script: '#!/bin/bash\necho prod',
      shell: 'bash',
      dynamic: true,
      env: { TARGET: 'prod' },
      timeoutMs: 60_000,
      captureOutput: false,
      resources: { cpuMillis: 100 },
      image: 'alpine:3',
    });
  });
});
