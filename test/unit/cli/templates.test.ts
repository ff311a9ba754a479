// `conveyor templates` and the built-in template files: what is listed, and that every template is
// a documented, valid workflow whose text survives the YAML round trip that `create` makes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import { listBuiltinTemplates, TEMPLATE_ALIASES } from '../../../src/cli/templates/catalog.ts';
import { parseWorkflowDocument, stringifyWorkflow } from '../../../src/cli/templates/workflow-document.ts';
import { fileIO } from './file-io.ts';

const REQUIRED = ['rolling-deployment', 'blue-green-deployment', 'database-maintenance', 'backup-verify'];

describe('conveyor templates', () => {
  it('lists every required template with its description and parameters', async () => {
    const io = fileIO();
    assert.equal(await main(['templates'], io), 0, io.err());
    for (const name of REQUIRED) assert.match(io.out(), new RegExp(`^${name}`, 'm'));
    assert.match(io.out(), /rolling-deployment {2}\(alias: deployment\)/);
    assert.match(io.out(), /--set services=<list> = \["api","worker"\]/);
    assert.match(io.out(), /Target environment; one of development, staging, production/);
  });

  it('prints JSON with names, aliases, files and typed parameters', async () => {
    const io = fileIO();
    assert.equal(await main(['templates', '--output', 'json'], io), 0, io.err());
    const json = JSON.parse(io.out()) as {
      templates: {
        name: string;
        aliases: string[];
        file: string;
        description: string;
        parameters: { name: string; type: string; default: unknown; validation: unknown }[];
      }[];
    };
    assert.deepEqual(json.templates.map((t) => t.name).sort(), [...REQUIRED].sort());
    const rolling = json.templates.find((t) => t.name === 'rolling-deployment');
    assert.deepEqual(rolling?.aliases, ['deployment']);
    assert.ok(rolling?.file.endsWith('rolling-deployment.yaml'));
    const services = rolling?.parameters.find((p) => p.name === 'services');
    assert.deepEqual(services, {
      name: 'services',
      description: 'Services to deploy, in order',
      type: 'list',
      required: false,
      default: ['api', 'worker'],
      validation: { min_items: 1, max_items: 20, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    });
  });

  it('refuses arguments it does not take', async () => {
    const io = fileIO();
    assert.equal(await main(['templates', 'deployment'], io), 2);
    assert.match(io.err(), /unexpected argument 'deployment'/);
  });
});

describe('the built-in template files', () => {
  it('are valid workflows named after their file, each parameter described, typed and defaulted', async () => {
    const templates = await listBuiltinTemplates();
    assert.ok(templates.length >= REQUIRED.length);
    for (const t of templates) {
      assert.equal(t.workflow.name, t.name);
      assert.ok(t.workflow.description, `${t.name} has a description`);
      assert.ok(t.workflow.parameters.length > 0, `${t.name} has parameters`);
      const raw = parseWorkflowDocument(t.text).toJS() as { parameters: Record<string, unknown>[] };
      for (const p of raw.parameters) {
        for (const key of ['name', 'description', 'type', 'default'])
          assert.ok(key in p, `${t.name}: parameter ${String(p.name)} declares ${key}`);
      }
      assert.ok(
        t.workflow.parameters.some((p) => p.validation),
        `${t.name} validates some of its parameters`,
      );
    }
  });

  it('keep their exact text through the YAML document that create edits', async () => {
    for (const t of await listBuiltinTemplates()) {
      assert.equal(stringifyWorkflow(parseWorkflowDocument(t.text)), readFileSync(t.file, 'utf8'), t.name);
    }
  });

  it('use the language: approvals, rollback, retries, conditions, parallel groups and dependencies', async () => {
    const text = (await listBuiltinTemplates()).map((t) => t.text).join('\n');
    for (const key of [
      'manual_approval:',
      'rollback:',
      'retry:',
      'when:',
      'conditions:',
      'parallel',
      'depends_on:',
    ])
      assert.ok(text.includes(key), key);
  });

  it('have aliases that point at templates that exist', async () => {
    const names = new Set((await listBuiltinTemplates()).map((t) => t.name));
    for (const [alias, target] of Object.entries(TEMPLATE_ALIASES)) assert.ok(names.has(target), alias);
    assert.equal(TEMPLATE_ALIASES.deployment, 'rolling-deployment');
  });
});
