// The GitOps example in gitops/examples holds together without a cluster: the argocd-cm it installs
// carries exactly our health checks, the Argo CD and Flux copies of the workflow agree and validate,
// every run is named after the release it migrates, and each tool's run says who creates it and
// keeps what the page promises; the README shows the page's own commands.
// (test/cluster/gitops-example.test.ts runs the example for real.)
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { formatDiagnostic } from '../../../src/spec/diagnostics.ts';
import { loadWorkflowObject } from '../../../src/spec/load.ts';

const GITOPS = new URL('../../../gitops/', import.meta.url).pathname;
const EXAMPLES = join(GITOPS, 'examples');
const read = (path: string): string => readFileSync(join(EXAMPLES, path), 'utf8');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** The objects of a kustomization folder, read from the files it lists. */
function kustomization(folder: string): Manifest[] {
  const k = parse(read(join(folder, 'kustomization.yaml'))) as { resources: string[] };
  return k.resources.map((file) => {
    assert.ok(existsSync(join(EXAMPLES, folder, file)), `${folder}/${file} exists`);
    return parse(read(join(folder, file))) as Manifest;
  });
}

const find = (objects: Manifest[], kind: string): Manifest => {
  const found = objects.find((o) => o.kind === kind);
  assert.ok(found, `a ${kind}`);
  return found;
};

const argo = kustomization('argocd/shop');
const fluxDb = kustomization('flux/shop-db');
const fluxApi = kustomization('flux/shop-api');

describe('the GitOps example', () => {
  test("argocd-cm.yaml installs exactly the health checks in gitops/argocd, under Argo CD's keys", () => {
    const cm = parse(read('argocd/argocd-cm.yaml')) as Manifest;
    assert.equal(cm.metadata.name, 'argocd-cm');
    assert.deepEqual(Object.keys(cm.data ?? {}).sort(), [
      'resource.customizations.health.conveyor.dev_Workflow',
      'resource.customizations.health.conveyor.dev_WorkflowRun',
    ]);
    for (const kind of ['Workflow', 'WorkflowRun']) {
      const lua = readFileSync(
        join(GITOPS, 'argocd', 'resource_customizations', 'conveyor.dev', kind, 'health.lua'),
        'utf8',
      );
      assert.equal(cm.data?.[`resource.customizations.health.conveyor.dev_${kind}`], lua, kind);
    }
  });

  test('the Argo CD and Flux examples run the same workflow, and it validates', () => {
    const workflow = find(argo, 'Workflow');
    assert.deepEqual(find(fluxDb, 'Workflow'), workflow);
    const loaded = loadWorkflowObject({ ...workflow.spec, name: workflow.metadata.name }, 'workflow.yaml', [
      'spec',
    ]);
    assert.deepEqual(loaded.diagnostics.map(formatDiagnostic), []);
    assert.ok(loaded.workflow);
    assert.deepEqual(find(fluxDb, 'RoleBinding'), find(argo, 'RoleBinding'));
  });

  test('each run is named after the release it migrates, and the Deployment serves that release', () => {
    for (const [objects, deployment] of [
      [argo, find(argo, 'Deployment')],
      [fluxDb, find(fluxApi, 'Deployment')],
    ] as const) {
      const run = find(objects, 'WorkflowRun');
      const version = (run.spec?.parameters as { version: string }).version;
      assert.equal(run.metadata.name, `db-migrate-${version.replace(/\./g, '-')}`);
      assert.deepEqual(run.spec?.workflowRef, { name: find(objects, 'Workflow').metadata.name });
      const env = (
        deployment.spec as {
          template: { spec: { containers: { env: { name: string; value: string }[] }[] } };
        }
      ).template.spec.containers[0]!.env;
      assert.deepEqual(env, [{ name: 'SHOP_VERSION', value: version }]);
    }
  });

  test('Argo CD: the run is a Sync hook between the Workflow and the Deployment, with no hand-written creator', () => {
    const wave = (o: Manifest) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    const run = find(argo, 'WorkflowRun');
    assert.deepEqual(run.metadata.annotations, {
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/sync-wave': '1',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
    assert.ok(wave(find(argo, 'Workflow')) < wave(run));
    assert.ok(wave(run) < wave(find(argo, 'Deployment')));
    // No namespaces in the files: the Application's destination (or kubectl -n) decides.
    for (const o of argo) assert.equal(o.metadata.namespace, undefined, o.kind);
    const app = parse(read('argocd/application.yaml')) as {
      spec: { source: { path: string }; destination: { namespace: string } };
    };
    assert.equal(app.spec.source.path, 'gitops/examples/argocd/shop');
    assert.equal(app.spec.destination.namespace, 'shop');
  });

  test('Flux: the run is created once, with no hand-written creator, waited for, and gates shop-api', () => {
    const run = find(fluxDb, 'WorkflowRun');
    assert.deepEqual(run.metadata.annotations, {
      'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    const [db, api] = parseAllDocuments(read('flux/kustomizations.yaml')).map((d) => d.toJS()) as {
      apiVersion: string;
      metadata: { name: string };
      spec: {
        path: string;
        wait?: boolean;
        dependsOn?: { name: string }[];
        healthCheckExprs?: { apiVersion: string; kind: string; current: string; failed: string }[];
      };
    }[];
    assert.equal(db?.apiVersion, 'kustomize.toolkit.fluxcd.io/v1');
    assert.equal(db?.metadata.name, 'shop-db');
    assert.equal(db?.spec.path, './gitops/examples/flux/shop-db');
    assert.equal(db?.spec.wait, true);
    assert.deepEqual(
      db?.spec.healthCheckExprs?.map((e) => [e.apiVersion, e.kind]),
      [['conveyor.dev/v1alpha1', 'WorkflowRun']],
    );
    assert.equal(api?.metadata.name, 'shop-api');
    assert.equal(api?.spec.path, './gitops/examples/flux/shop-api');
    assert.deepEqual(api?.spec.dependsOn, [{ name: 'shop-db' }]);
    for (const k of [db, api]) assert.ok(existsSync(join(GITOPS, '..', k!.spec.path)), k!.spec.path);
  });

  test("the README's GitOps commands are the ones the example's page shows (and its cluster test runs)", () => {
    const readme = readFileSync(join(GITOPS, '..', 'README.md'), 'utf8');
    const start = readme.indexOf('\n## GitOps\n');
    assert.notEqual(start, -1, 'README has a GitOps section');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const commands = (text: string) =>
      [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((b) =>
        b[1]!
          .replace(/\\\n\s*/g, '')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.startsWith('kubectl ')),
      );
    const page = commands(read('README.md'));
    const shown = commands(section);
    assert.ok(shown.length >= 4, shown.join('\n'));
    for (const command of shown) assert.ok(page.includes(command), command);
  });

  test('the page links only to files that exist', () => {
    const page = read('README.md');
    for (const [, target] of page.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)) {
      if (/^https?:/.test(target!)) continue;
      assert.ok(existsSync(join(EXAMPLES, target!)), target);
    }
  });
});
