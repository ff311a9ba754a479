// `conveyor create NAME --template T`: a new workflow file from a template, with --set values and
// --PARAM shorthands written as parameter defaults, checked, and never over an existing file.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import { loadWorkflow } from '../../../src/spec/load.ts';
import type { Workflow } from '../../../src/spec/model.ts';
import { fileIO } from './file-io.ts';

function loaded(dir: string, file: string): { text: string; workflow: Workflow } {
  const text = readFileSync(join(dir, file), 'utf8');
  const result = loadWorkflow(text, file);
  assert.ok(result.workflow, JSON.stringify(result.diagnostics));
  return { text, workflow: result.workflow };
}

const defaultOf = (w: Workflow, name: string) => w.parameters.find((p) => p.name === name)?.default;

describe('conveyor create', () => {
  it("runs the seed's example: --template deployment --services api,worker", async () => {
    const io = fileIO();
    const code = await main(
      ['create', 'microservice-deployment', '--template', 'deployment', '--services', 'api,worker'],
      io,
    );
    assert.equal(code, 0, io.err());
    const { workflow } = loaded(io.cwd, 'microservice-deployment.yaml');
    assert.equal(workflow.name, 'microservice-deployment');
    assert.deepEqual(defaultOf(workflow, 'services'), ['api', 'worker']);
    assert.match(io.out(), /Wrote microservice-deployment\.yaml from template rolling-deployment/);
    assert.match(io.out(), /services = \["api","worker"\]\n/);
    assert.match(io.out(), /environment = "staging" {2}\(template default\)/);
  });

  it('writes --set values as typed defaults and keeps the comments, order and other values', async () => {
    const io = fileIO();
    const code = await main(
      [
        'create',
        'orders-maintenance',
        '-t',
        'database-maintenance',
        '--set',
        'database=orders,vacuum_full=true',
        '--set',
        'environment=production',
      ],
      io,
    );
    assert.equal(code, 0, io.err());
    const { text, workflow } = loaded(io.cwd, 'orders-maintenance.yaml');
    assert.equal(defaultOf(workflow, 'database'), 'orders');
    assert.equal(defaultOf(workflow, 'vacuum_full'), true, 'a boolean, not the string "true"');
    assert.equal(defaultOf(workflow, 'environment'), 'production');
    assert.equal(defaultOf(workflow, 'reindex'), true);
    assert.match(text, /^# Created from the database-maintenance template by conveyor create\.\n/);
    assert.match(text, /# Template: database maintenance\./);
    assert.match(text, /\n {4}default: orders\n/);
    assert.match(text, /\n {4}default: true\n/);
    const keys = [...text.matchAll(/^([a-z_]+):/gm)].map((m) => m[1]);
    assert.deepEqual(keys.slice(0, 5), ['name', 'description', 'version', 'parameters', 'conditions']);
  });

  it('accepts Helm list syntax, --PARAM=VALUE and dashed names for underscored parameters', async () => {
    const io = fileIO();
    const code = await main(
      [
        'create',
        'bg',
        '--template',
        'blue-green',
        '--set',
        'services={api,web}',
        '--image-tag=v2.1',
        '--keep_versions',
        '5',
      ],
      io,
    );
    assert.equal(code, 0, io.err());
    const { workflow } = loaded(io.cwd, 'bg.yaml');
    assert.deepEqual(defaultOf(workflow, 'services'), ['api', 'web']);
    assert.equal(defaultOf(workflow, 'image_tag'), 'v2.1');
    assert.equal(defaultOf(workflow, 'keep_versions'), 5);
  });

  it('refuses to overwrite a file unless --force is given', async () => {
    const io = fileIO();
    writeFileSync(join(io.cwd, 'mine.yaml'), 'keep me\n');
    assert.equal(await main(['create', 'mine', '--template', 'backup-verify'], io), 2);
    assert.match(io.err(), /mine\.yaml exists; use --force to overwrite it/);
    assert.equal(readFileSync(join(io.cwd, 'mine.yaml'), 'utf8'), 'keep me\n');
    assert.equal(await main(['create', 'mine', '--template', 'backup-verify', '--force'], io), 0, io.err());
    assert.equal(loaded(io.cwd, 'mine.yaml').workflow.name, 'mine');
  });

  it('writes to --output, or to standard output for -', async () => {
    const io = fileIO();
    assert.equal(await main(['create', 'a', '--template', 'backup', '--output', 'nightly.yaml'], io), 0);
    assert.ok(existsSync(join(io.cwd, 'nightly.yaml')));
    const stdout = fileIO();
    assert.equal(await main(['create', 'b', '--template', 'backup', '-o', '-'], stdout), 0);
    assert.ok(loadWorkflow(stdout.out()).workflow);
    assert.match(stdout.err(), /Wrote the workflow to standard output/);
  });

  it('names an unknown parameter with its flag and the likeliest meant one, and writes nothing', async () => {
    const io = fileIO();
    const code = await main(
      ['create', 'x', '--template', 'deployment', '--set', 'servics=api', '--image_tg', 'v1'],
      io,
    );
    assert.equal(code, 2);
    assert.match(
      io.err(),
      /--set servics: template rolling-deployment has no parameter 'servics' \(did you mean 'services'\?\); its parameters: environment, services, image_tag, max_unavailable, health_timeout/,
    );
    assert.match(
      io.err(),
      /--image_tg: template rolling-deployment has no parameter 'image_tg' \(did you mean '--image_tag'\?\)/,
    );
    assert.ok(!existsSync(join(io.cwd, 'x.yaml')));
  });

  it("checks values against the parameter's type and validation, pointing at its declaration", async () => {
    const io = fileIO();
    const code = await main(
      [
        'create',
        'x',
        '--template',
        'deployment',
        '--set',
        'max_unavailable=many,environment=prod',
        '--services',
        'API',
      ],
      io,
    );
    assert.equal(code, 2);
    const err = io.err();
    assert.match(
      err,
      /--set max_unavailable: parameter 'max_unavailable' \(rolling-deployment\.yaml:\d+:\d+\): expected an integer, got "many"/,
    );
    assert.match(
      err,
      /--set environment: parameter 'environment' \(rolling-deployment\.yaml:\d+:\d+\): "prod" is not one of "development", "staging", "production"/,
    );
    assert.match(err, /--services: parameter 'services' .*item "API" does not match/);
    assert.ok(!existsSync(join(io.cwd, 'x.yaml')));
  });

  it('refuses a name that would make an invalid workflow, with the located error', async () => {
    const io = fileIO();
    assert.equal(await main(['create', 'no spaces allowed', '--template', 'deployment'], io), 2);
    assert.match(io.err(), /no spaces allowed\.yaml:\d+:\d+: name: /);
    assert.match(io.err(), /Nothing written/);
    assert.ok(!existsSync(join(io.cwd, 'no spaces allowed.yaml')));
  });

  it('suggests the template meant, and explains the missing pieces of a command line', async () => {
    const unknown = fileIO();
    assert.equal(await main(['create', 'x', '--template', 'blue-gren'], unknown), 2);
    assert.match(unknown.err(), /unknown template 'blue-gren' \(did you mean 'blue-green'\?\)/);
    const noTemplate = fileIO();
    assert.equal(await main(['create', 'x'], noTemplate), 2);
    assert.match(noTemplate.err(), /--template is required/);
    const noValue = fileIO();
    assert.equal(await main(['create', 'x', '--templat'], noValue), 2);
    assert.match(noValue.err(), /--templat needs a value \(did you mean --template\?\)/);
    const noName = fileIO();
    assert.equal(await main(['create', '--template', 'deployment'], noName), 2);
    assert.match(noName.err(), /expected one NAME/);
  });

  it('takes a workflow file as the template, such as one from template generate', async () => {
    const io = fileIO();
    writeFileSync(
      join(io.cwd, 'custom.yaml'),
      'name: custom\nparameters:\n  - name: region # where it runs\n    default: eu-west-1\nsteps:\n  - command: "echo {{ .region }}"\n',
    );
    assert.equal(
      await main(['create', 'us', '--template', './custom.yaml', '--region', 'us-east-1'], io),
      0,
      io.err(),
    );
    const { text, workflow } = loaded(io.cwd, 'us.yaml');
    assert.equal(defaultOf(workflow, 'region'), 'us-east-1');
    assert.match(text, /- name: region # where it runs\n {4}default: us-east-1\n/);
    const missing = fileIO(io.cwd);
    assert.equal(await main(['create', 'x', '--template', 'nope.yaml'], missing), 2);
    assert.match(missing.err(), /cannot read template nope\.yaml: no such file/);
  });
});
