// Every template the seed workflows contain, with the values a reader of the seed expects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTruthy, referencedNames } from '../../../src/template/index.ts';
import { parsed, render, value } from './support.ts';

const staging = {
  environment: 'staging',
  services: ['api', 'worker'],
  workflow_id: 'wf-20260101-abc',
  outputs: {},
};

const conditionalDeployment = `{{- $status := .outputs.status_check | fromJSON -}}
{{- range $status -}}
  {{- if and (eq .name "api") (lt .health_score 80) -}}
    true
  {{- end -}}
{{- end -}}
`;

describe('the seed templates', () => {
  it('substitutes the environment into a command', () => {
    assert.equal(
      render('sysctl backup verify --latest --env {{ .environment }}', staging),
      'sysctl backup verify --latest --env staging',
    );
    assert.equal(render('{{ .environment }}-services', staging), 'staging-services');
  });

  it('compares the environment with == to a boolean', () => {
    assert.equal(value("{{ .environment == 'production' }}", staging), false);
    assert.equal(
      value("{{ .environment == 'production' }}", { ...staging, environment: 'production' }),
      true,
    );
    assert.equal(
      value("{{ .environment == 'development' }}", { ...staging, environment: 'development' }),
      true,
    );
  });

  it('tests list membership with in and or', () => {
    const source = "{{ 'api' in .services or 'database' in .services }}";
    assert.equal(value(source, { services: ['api', 'worker'] }), true);
    assert.equal(value(source, { services: ['database'] }), true);
    assert.equal(value(source, { services: ['worker', 'scheduler'] }), false);
  });

  it('combines named conditions with infix and', () => {
    const source = '{{ .critical_services and .is_production }}';
    assert.equal(value(source, { critical_services: true, is_production: true }), true);
    assert.equal(value(source, { critical_services: true, is_production: false }), false);
    assert.equal(value(source, { critical_services: false, is_production: true }), false);
  });

  it('reads a named condition used as a when', () => {
    assert.equal(isTruthy(value('{{ .is_production }}', { is_production: false })), false);
    assert.equal(isTruthy(value('{{ .is_production }}', { is_production: true })), true);
  });

  it('joins services with a comma, list first as the seed writes it', () => {
    const source = "sysctl maintenance enable --services {{ join .services ',' }} --env {{ .environment }}";
    assert.equal(render(source, staging), 'sysctl maintenance enable --services api,worker --env staging');
  });

  it('renders a list space-separated in a for loop', () => {
    const source = `for service in {{ .services }}; do
  sysctl deploy $service --env {{ .environment }} --target green --wait
done
`;
    const expected = `for service in api worker scheduler; do
  sysctl deploy $service --env staging --target green --wait
done
`;
    const data = { ...staging, services: ['api', 'worker', 'scheduler'] };
    assert.equal(render(source, data), expected);
    assert.equal(render(source, data, { mode: 'shell' }), expected);
  });

  it('is truthy for an api health score under 80 in the conditional deployment', () => {
    const data = { outputs: { status_check: '[{"name":"api","health_score":70}]' } };
    const result = value(conditionalDeployment, data, { lenient: ['outputs'] });
    assert.equal(result, 'true');
    assert.equal(isTruthy(result), true);
  });

  it('is falsy for an api health score of 90 in the conditional deployment', () => {
    const data = {
      outputs: { status_check: '[{"name":"api","health_score":90},{"name":"worker","health_score":10}]' },
    };
    const result = value(conditionalDeployment, data, { lenient: ['outputs'] });
    assert.equal(result, '');
    assert.equal(isTruthy(result), false);
  });

  it('is falsy, not an error, before the status check has produced output', () => {
    assert.equal(value(conditionalDeployment, { outputs: {} }, { lenient: ['outputs'] }), '');
    assert.equal(value(conditionalDeployment, {}, { lenient: ['outputs'] }), '');
  });

  it('knows the conditional deployment depends on outputs', () => {
    assert.deepEqual([...referencedNames(parsed(conditionalDeployment))], ['outputs']);
  });

  it('checks the environment against a list literal', () => {
    const source = "{{ .environment in ['staging', 'production'] }}";
    assert.equal(value(source, { environment: 'staging' }), true);
    assert.equal(value(source, { environment: 'production' }), true);
    assert.equal(value(source, { environment: 'development' }), false);
  });

  it('requires both environment and services with infix and', () => {
    const source = '{{ .environment and .services }}';
    assert.equal(isTruthy(value(source, staging)), true);
    assert.equal(isTruthy(value(source, { environment: '', services: ['api'] })), false);
    assert.equal(isTruthy(value(source, { environment: 'staging', services: [] })), false);
  });

  it('names the debug archive after the run', () => {
    assert.equal(
      render('sysctl debug collect --output debug-{{ .workflow_id }}.tar.gz', staging),
      'sysctl debug collect --output debug-wf-20260101-abc.tar.gz',
    );
    assert.equal(
      render("sysctl incident create --title 'Deployment failure' --workflow {{ .workflow_id }}", staging, {
        mode: 'shell',
      }),
      "sysctl incident create --title 'Deployment failure' --workflow wf-20260101-abc",
    );
  });

  it('renders the environment into a kubectl namespace and a script', () => {
    assert.equal(
      render('kubectl auth can-i create deployments --namespace {{ .environment }}', staging),
      'kubectl auth can-i create deployments --namespace staging',
    );
    const script = `#!/bin/bash
load=$(sysctl metrics api --metric cpu_usage --format value)
if (( $(echo "$load > 80" | bc -l) )); then
  sysctl scale api --replicas 5 --env {{ .environment }}
fi
`;
    assert.equal(render(script, staging, { mode: 'shell' }), script.replace('{{ .environment }}', 'staging'));
  });

  it('leaves text without templates, including shell syntax, untouched', () => {
    const source = "echo 'Deployment failed at $(date)' >> deployment.log";
    assert.equal(render(source, {}, { mode: 'shell' }), source);
  });
});
