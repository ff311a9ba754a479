// `conveyor validate` as users run it: exit codes, located messages, JSON findings, --explain.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { conveyor, tempDir } from './cli-harness.ts';

test('every seed workflow validates with exit code 0', async () => {
  const files = [
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
  ].map((n) => `examples/${n}.yaml`);
  const r = await conveyor(['validate', ...files]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of files) assert.match(r.stdout, new RegExp(`${f}: valid`));
});

test('an invalid workflow exits 2 and lists every error with its position', async () => {
  const dir = tempDir();
  const file = join(dir, 'deploy.yaml');
  writeFileSync(
    file,
    `name: deploy
steps:
  - name: deploy_api
    command: "true"
  - name: test
    comand: "true"
    depends_on: ["deploy_apii"]
`,
  );
  const r = await conveyor(['validate', file]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /deploy\.yaml:6:5: steps\[1\]\.comand: unknown key 'comand' \(did you mean 'command'\?\)/,
  );
  assert.match(r.stdout, /invalid/);
});

test('--output json prints the findings as one JSON document', async () => {
  const r = await conveyor(['validate', '--output', 'json', 'examples/error-handling.yaml']);
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.stdout) as {
    files: { file: string; valid: boolean; diagnostics: { severity: string }[] }[];
  };
  assert.equal(doc.files[0]?.valid, true);
  assert.ok(doc.files[0]?.diagnostics.some((d) => d.severity === 'warning'));
});

test('--explain resolves inputs and shows rendered commands and when results', async () => {
  const r = await conveyor([
    'validate',
    '--explain',
    'examples/advanced-deployment.yaml',
    '--set',
    'environment=production,services={api,worker}',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /is_production = true/);
  assert.match(r.stdout, /sysctl maintenance enable --services api,worker --env production/);
  assert.match(r.stdout, /switch_traffic \(after test_green_environment\) \[when: true\]/);
  assert.match(r.stdout, /for service in api worker; do/);
});

test('--explain says a condition on outputs is decided at run time', async () => {
  const r = await conveyor([
    'validate',
    '--explain',
    'examples/conditional-deployment.yaml',
    '-e',
    'staging',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /conditional_deployment \(group\) \[when: decided at run time\]/);
});

test('--explain reports a parameter that breaks its validation', async () => {
  const r = await conveyor([
    'validate',
    '--explain',
    'examples/advanced-deployment.yaml',
    '--set',
    'environment=qa,services={api}',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /parameters\.environment: parameter 'environment': "qa" does not match/);
});

test('a missing file is a located error, not a crash', async () => {
  const r = await conveyor(['validate', 'nope.yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope\.yaml: cannot read workflow: no such file/);
});

test('an unknown command or option is a usage error with exit code 2', async () => {
  assert.equal((await conveyor(['frobnicate'])).code, 2);
  const r = await conveyor(['validate', '--bogus', 'x.yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown option '--bogus'/);
});

test('a value inside a nested shell is a located warning that names the safe alternative', async () => {
  const dir = tempDir();
  const file = join(dir, 'nested.yaml');
  writeFileSync(
    file,
    `name: nested
parameters:
  - name: version
    type: string
steps:
  - name: migrate
    command: kubectl exec deploy/api -- sh -c "migrate --to {{ .version }}"
  - name: restart
    script: |
      echo restarting
      ssh deploy@db1 "systemctl restart api-{{ .version }}"
  - name: safe
    command: kubectl exec deploy/api -- sh -c 'migrate --to "$1"' _ {{ .version }}
`,
  );
  const r = await conveyor(['validate', file]);
  assert.equal(r.code, 0, 'a warning, not an error');
  assert.match(r.stdout, /valid \(2 warning\(s\)\)/);
  assert.match(
    r.stderr,
    /nested\.yaml:7:61: warning: steps\[0\]\.command: \{\{ \.version \}\} lands inside the command string of `sh -c`.*environment variable.*positional argument/,
  );
  assert.match(
    r.stderr,
    /nested\.yaml:11:45: warning: steps\[1\]\.script: .*remote command of `ssh deploy@db1`.*standard input/,
  );
  assert.doesNotMatch(r.stderr, /steps\[2\]/);
});

test('--explain locates a bad value from --parameter-file in that file, as run does', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'greet.yaml'),
    'name: greet\nparameters:\n  - name: count\n    type: integer\n    default: 1\nsteps:\n  - name: say\n    command: echo {{ .count }}\n',
  );
  writeFileSync(join(dir, 'params.yaml'), '# how many\ncount: many\n');
  const text = await conveyor(['validate', '--explain', 'greet.yaml', '--parameter-file', 'params.yaml'], {
    cwd: dir,
  });
  assert.equal(text.code, 2, text.stdout);
  assert.match(text.stderr, /^params\.yaml:2:1: parameters\.count: parameter 'count': expected an integer/m);
  assert.doesNotMatch(text.stderr, /greet\.yaml/);

  const json = await conveyor(
    ['validate', '--explain', 'greet.yaml', '--parameter-file', 'params.yaml', '-o', 'json'],
    { cwd: dir },
  );
  assert.equal(json.code, 2, json.stderr);
  const doc = JSON.parse(json.stdout) as {
    files: { file: string; diagnostics: { file?: string; line?: number; column?: number; path: string }[] }[];
  };
  assert.deepEqual(
    doc.files[0]?.diagnostics.map((d) => [d.file, d.line, d.column, d.path]),
    [['params.yaml', 2, 1, 'parameters.count']],
  );

  // A value from --set has no file of its own: it stays at the workflow file.
  const set = await conveyor(['validate', '--explain', 'greet.yaml', '--set', 'count=many'], { cwd: dir });
  assert.equal(set.code, 2, set.stdout);
  assert.match(set.stderr, /^greet\.yaml: parameters\.count: parameter 'count': expected an integer/m);
});
