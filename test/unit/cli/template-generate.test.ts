// `conveyor template generate`: recurring literals become parameters, and the template, with its
// defaults, renders exactly the commands of the workflow it came from (checked with the renderer
// that `validate --explain` uses, over every example and over generated workflows).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { explainWorkflow } from '../../../src/cli/explain.ts';
import { main } from '../../../src/cli/main.ts';
import { generateTemplate } from '../../../src/cli/templates/generate.ts';
import type { GeneratedParameter } from '../../../src/cli/templates/generate.ts';
import { loadWorkflow } from '../../../src/spec/load.ts';
import type { Workflow } from '../../../src/spec/model.ts';
import { resolveRunContext } from '../../../src/spec/run-context.ts';
import { fileIO } from './file-io.ts';

const EXAMPLES = join(import.meta.dirname, '../../../examples');

/** Inputs for workflows that cannot start without some: `.environment` without a default needs one,
 *  best-practice-example's validation needs services too. */
const FALLBACK_INPUTS = [{ environment: 'staging' }, { environment: 'staging', services: ['api'] }];

/** Each step's rendered command, as `validate --explain` shows it, with the same run id both times. */
function renderedCommands(workflow: Workflow): { name: string; rendered?: string; renderError?: string }[] {
  let resolved = resolveRunContext(workflow, { parameters: {}, runId: 'rt-1' });
  for (const parameters of FALLBACK_INPUTS)
    if (!resolved.ok) resolved = resolveRunContext(workflow, { parameters, runId: 'rt-1' });
  assert.ok(resolved.ok, JSON.stringify(!resolved.ok && resolved.problems));
  return explainWorkflow(workflow, resolved.context).map((s) => ({
    name: s.name,
    rendered: s.rendered,
    renderError: s.renderError,
  }));
}

function generate(text: string, minOccurrences = 2) {
  const result = generateTemplate(text, 'input.yaml', {
    name: 'generated',
    minOccurrences,
    outputFile: 'out.yaml',
  });
  assert.ok(result.ok, !result.ok ? `${result.problem}: ${JSON.stringify(result.diagnostics)}` : '');
  return result;
}

function assertSameCommands(original: string, result: ReturnType<typeof generate>): void {
  const before = loadWorkflow(original, 'input.yaml').workflow;
  assert.ok(before);
  const after = loadWorkflow(result.text, 'out.yaml');
  assert.ok(after.workflow, JSON.stringify(after.diagnostics));
  assert.equal(after.workflow.name, 'generated');
  assert.deepEqual(renderedCommands(after.workflow), renderedCommands(before));
}

const byName = (params: readonly GeneratedParameter[]) =>
  Object.fromEntries(params.map((p) => [p.name, p.default]));

describe('template generate over the examples', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

  it('finds every example', () => assert.ok(files.length >= 10));

  for (const file of files) {
    it(`${file}: the template validates and renders the same commands with its defaults`, () => {
      const text = readFileSync(join(EXAMPLES, file), 'utf8');
      for (const min of [2, 3]) assertSameCommands(text, generate(text, min));
    });
  }

  it('error-handling: production after --env becomes environment, the service named twice becomes api', () => {
    const text = readFileSync(join(EXAMPLES, 'error-handling.yaml'), 'utf8');
    const result = generate(text);
    assert.deepEqual(byName(result.parameters), { environment: 'production', api: 'api' });
    assert.match(result.text, /command: "sysctl deploy \{\{ \.api \}\} --env \{\{ \.environment \}\}"/);
    // The message keeps its capitalised word: replacements respect case and word boundaries.
    assert.match(result.text, /--message 'Production deployment failed'/);
    assert.match(result.text, /echo 'Deployment failed at \$\(date\)' >> deployment\.log/);
    // Comments survive.
    assert.match(result.text, /strategy: "fail_fast" # or "continue_on_error", "retry"/);
  });

  it('basic-deployment: service names become parameters, subcommands and flags stay', () => {
    const result = generate(readFileSync(join(EXAMPLES, 'basic-deployment.yaml'), 'utf8'));
    assert.deepEqual(byName(result.parameters), { api: 'api', worker: 'worker', scheduler: 'scheduler' });
    assert.match(
      result.text,
      /"sysctl deploy \{\{ \.api \}\} --env \{\{ \.environment \}\} --image \{\{ \.api \}\}:\{\{ \.image_tag \}\} --wait"/,
    );
    assert.match(result.text, /"sysctl test smoke --env \{\{ \.environment \}\}"/);
  });

  it('parallel-operations: a subcommand repeated after the same words stays (backup database, config update)', () => {
    const result = generate(readFileSync(join(EXAMPLES, 'parallel-operations.yaml'), 'utf8'));
    const names = result.parameters.map((p) => p.literal).sort();
    assert.deepEqual(names, ['api', 'configs', 'worker']);
    assert.match(result.text, /"sysctl backup database --type full --compress"/);
    assert.match(
      result.text,
      /--file \{\{ \.configs \}\}\/api-v2\.yaml"/,
      'api-v2.yaml is one word: api stays in it',
    );
  });
});

describe('template generate: what becomes a parameter', () => {
  const workflow = (...commands: string[]) =>
    stringify({ name: 'w', steps: commands.map((command, i) => ({ name: `s${i}`, command })) });

  it('takes the longest recurring literal first: a whole image reference before its pieces', () => {
    const result = generate(
      workflow(
        'sysctl deploy api --image registry.local/api:v2.3.1',
        'sysctl verify --image registry.local/api:v2.3.1',
      ),
    );
    assert.deepEqual(byName(result.parameters), { image: 'registry.local/api:v2.3.1' });
  });

  it('names values after their flag, or their shape: host, version, number', () => {
    const result = generate(
      workflow(
        'psql --host db.example.com --port 5432 -c "select 1"',
        'pg_dump --host=db.example.com --port=5432 app',
        'curl https://cache.internal.net/v1.4.2 && ping cache.internal.net',
        'sysctl release v1.4.2',
      ),
    );
    // The longest literal is named first, so cache.internal.net takes `host`.
    assert.deepEqual(byName(result.parameters), {
      host_db_example_com: 'db.example.com',
      port: 5432,
      host: 'cache.internal.net',
      version: 'v1.4.2',
    });
    assert.equal(result.parameters.find((p) => p.name === 'port')?.type, 'integer');
  });

  it('never replaces text inside {{ }}, $variables, programs, flags or parts of longer words', () => {
    const result = generate(
      workflow(
        'sysctl deploy api --tag {{ "deploy" }} --env staging; echo $staging ${staging}',
        'sysctl scale api --env staging --label apiserver=staging-api',
      ),
    );
    assert.deepEqual(byName(result.parameters), { environment: 'staging', api: 'api' });
    assert.ok(
      result.text.includes('--tag {{ \\"deploy\\" }}') || result.text.includes(`--tag {{ "deploy" }}`),
    );
    assert.match(result.text, /echo \$staging \$\{staging\}/);
    assert.match(result.text, /apiserver=staging-api/);
  });

  it('leaves conditional and loop bodies alone, where . is not the workflow', () => {
    const result = generate(
      workflow(
        '{{ range .services }}sysctl restart web01 {{ end }}; sysctl restart web01 --env qa',
        'sysctl check web01 --env qa',
      ),
    );
    assert.deepEqual(byName(result.parameters), { web01: 'web01', environment: 'qa' });
    assert.match(
      result.text,
      /\{\{ range \.services \}\}sysctl restart web01 \{\{ end \}\}; sysctl restart \{\{ \.web01 \}\}/,
    );
  });

  it('skips trivial literals and respects --min-occurrences', () => {
    const text = workflow(
      'sysctl scale api --replicas 3 --force true',
      'sysctl scale api --replicas 3 --force true --to worker',
      'sysctl logs worker --since 1h',
    );
    assert.deepEqual(byName(generate(text).parameters), { worker: 'worker' });
    assert.deepEqual(byName(generate(text, 3).parameters), {});
  });

  it('does not take a name the workflow uses, and leaves .environment alone when it is read', () => {
    const text = stringify({
      name: 'w',
      parameters: [{ name: 'api', default: 'x' }],
      steps: [
        { name: 'a', command: 'sysctl deploy api --env production {{ .environment }} {{ .api }}' },
        { name: 'b', command: 'sysctl rollback api --env production' },
      ],
    });
    const result = generate(text);
    assert.deepEqual(byName(result.parameters), { env: 'production', api_api: 'api' });
    assertSameCommands(text, result);
  });

  it('reads a Workflow resource and renames it in its metadata', () => {
    const text = stringify({
      apiVersion: 'conveyor.dev/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'deploy' },
      spec: { steps: [{ command: 'sysctl deploy api --env qa' }, { command: 'sysctl check api --env qa' }] },
    });
    const result = generate(text);
    assert.deepEqual(byName(result.parameters), { environment: 'qa', api: 'api' });
    assert.match(result.text, /metadata:\n {2}name: generated\n/);
    assertSameCommands(text, result);
  });

  it('refuses a workflow that does not validate, with its diagnostics', () => {
    const result = generateTemplate('name: w\nstep: []\n', 'bad.yaml', {
      name: 'g',
      minOccurrences: 2,
      outputFile: 'g.yaml',
    });
    assert.ok(!result.ok);
    assert.match(result.problem, /bad\.yaml is not a valid workflow/);
    assert.ok(result.diagnostics.length > 0);
  });
});

describe('template generate: rendering is unchanged for any workflow (property)', () => {
  const service = fc.constantFrom('api', 'worker', 'billing-api', 'web01');
  const env = fc.constantFrom('production', 'staging', 'qa');
  const host = fc.constantFrom('db.example.com', 'cache.internal.net');
  const tag = fc.constantFrom('v1.2.3', 'v2', '2024.05.01', 'latest');
  const port = fc.constantFrom('5432', '8080', '443', '22');
  const noise = fc.constantFrom(
    "'",
    '"',
    '$',
    '\\',
    '#',
    '&&',
    '|',
    ';',
    '$(',
    ')',
    '>',
    '=',
    ':',
    '/',
    ',',
    '-',
  );
  const piece = fc.oneof(
    service,
    env,
    host,
    tag,
    port,
    noise,
    fc.constantFrom(
      'sysctl',
      'deploy',
      '--env',
      '--image',
      '-f',
      'true',
      '{{ .environment }}',
      '{{ join .services "," }}',
    ),
    fc.tuple(service, tag).map(([s, t]) => `${s}:${t}`),
    fc.tuple(host, port).map(([h, p]) => `https://${h}:${p}/health`),
    fc.tuple(service, env).map(([s, e]) => `'deploying ${s} to ${e}'`),
    fc.tuple(service, env).map(([s, e]) => `"${s} in ${e} \\"now\\""`),
  );
  const command = fc.array(piece, { minLength: 1, maxLength: 12 }).map((ps) => ps.join(' '));
  const script = fc
    .array(command, { minLength: 1, maxLength: 4 })
    .map((lines) => `#!/bin/sh\n${lines.join('\n')}\n`);
  const step = (i: number) =>
    fc.oneof(
      command.map((c) => ({ name: `s${i}`, command: c })),
      script.map((s) => ({ name: `s${i}`, script: s })),
    );
  const doc = fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.option(command, { nil: undefined }))
    .chain(([ids, failure]) =>
      fc.tuple(...ids.map((_, i) => step(i))).map((steps) => ({
        name: 'random',
        parameters: [
          { name: 'environment', default: 'staging' },
          { name: 'services', type: 'list', default: ['api', 'worker'] },
        ],
        steps,
        ...(failure ? { on_failure: [{ name: 'undo', command: failure }] } : {}),
      })),
    );

  it('the template validates and renders every command exactly as the workflow did', () => {
    fc.assert(
      fc.property(doc, fc.constantFrom(2, 3), (workflow, min) => {
        const text = stringify(workflow);
        if (!loadWorkflow(text, 'input.yaml').workflow) return; // a random command may not be a valid template
        const result = generate(text, min);
        assertSameCommands(text, result);
        for (const p of result.parameters)
          assert.ok(p.occurrences >= min, `${p.name}: ${p.occurrences} places`);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
    );
  });
});

describe('conveyor template generate', () => {
  it('writes NAME.yaml and prints the parameters it made, with their places', async () => {
    const io = fileIO();
    const from = join(EXAMPLES, 'error-handling.yaml');
    assert.equal(
      await main(['template', 'generate', '--from', from, '--name', 'custom-template'], io),
      0,
      io.err(),
    );
    const text = readFileSync(join(io.cwd, 'custom-template.yaml'), 'utf8');
    assert.equal(loadWorkflow(text).workflow?.name, 'custom-template');
    assert.match(
      io.out(),
      /Wrote custom-template\.yaml: template custom-template from .*error-handling\.yaml, 2 new parameters\./,
    );
    assert.match(
      io.out(),
      /\n {2}environment {2}= "production" {2}\(2 places: steps\[0\]\.command, steps\[0\]\.on_failure\[2\]\.command\)\n/,
    );
    assert.match(io.out(), /Use it: conveyor create NEW-NAME --template custom-template\.yaml --set api=…/);
    // And the template is usable as such.
    const create = fileIO(io.cwd);
    assert.equal(
      await main(
        ['create', 'staging-deploy', '--template', 'custom-template.yaml', '--environment', 'staging'],
        create,
      ),
      0,
      create.err(),
    );
    const made = loadWorkflow(readFileSync(join(io.cwd, 'staging-deploy.yaml'), 'utf8')).workflow;
    assert.equal(made?.parameters.find((p) => p.name === 'environment')?.default, 'staging');
  });

  it('prints the template with -o -, and refuses to overwrite without --force', async () => {
    const io = fileIO();
    const from = join(EXAMPLES, 'basic-deployment.yaml');
    assert.equal(await main(['template', 'generate', '--from', from, '--name', 't', '-o', '-'], io), 0);
    assert.equal(loadWorkflow(io.out()).workflow?.name, 't');
    assert.match(io.err(), /Wrote to standard output/);
    writeFileSync(join(io.cwd, 't.yaml'), 'mine\n');
    const again = fileIO(io.cwd);
    assert.equal(await main(['template', 'generate', '--from', from, '--name', 't'], again), 2);
    assert.match(again.err(), /t\.yaml exists; use --force/);
    assert.equal(await main(['template', 'generate', '--from', from, '--name', 't', '--force'], again), 0);
  });

  it('explains what it needs', async () => {
    const cases: [string[], RegExp][] = [
      [['template'], /Usage: conveyor template generate/],
      [['template', 'generat'], /unknown subcommand 'generat' \(did you mean 'generate'\?\)/],
      [['template', 'generate', '--name', 'x'], /--from FILE is required/],
      [['template', 'generate', '--from', 'a.yaml'], /--name NAME is required/],
      [
        ['template', 'generate', '--from', 'missing.yaml', '--name', 'x'],
        /cannot read missing\.yaml: no such file/,
      ],
      [
        ['template', 'generate', '--from', 'a.yaml', '--name', 'x', '--min-occurrences', '1'],
        /from 2 to 1000/,
      ],
    ];
    for (const [argv, message] of cases) {
      const io = fileIO();
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.match(io.err() + io.out(), message);
    }
    const invalid = fileIO();
    writeFileSync(join(invalid.cwd, 'bad.yaml'), 'name: w\nsteps:\n  - command: 1\n    comand: x\n');
    assert.equal(await main(['template', 'generate', '--from', 'bad.yaml', '--name', 'x'], invalid), 2);
    assert.match(invalid.err(), /bad\.yaml:3:\d+: steps\[0\]/);
    assert.ok(!existsSync(join(invalid.cwd, 'x.yaml')));
  });

  it('prints its heuristic in --help', async () => {
    const io = fileIO();
    assert.equal(await main(['template', 'generate', '--help'], io), 0);
    assert.match(io.out(), /whole numbers below 100/);
    assert.match(io.out(), /--min-occurrences N/);
  });
});
