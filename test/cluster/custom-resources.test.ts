// CustomResourceDefinitions behave as Conveyor's will: structural schema validation, and a status
// subresource that spec writes cannot change and that does not bump the generation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { apply, createNamespace, getObject, kubectl, waitFor } from './kubectl.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

interface Widget {
  metadata: { generation?: number };
  spec?: { size?: number };
  status?: { phase?: string };
}

describe('a CRD with a status subresource', suite.options, () => {
  // A group of its own, so that runs against a shared cluster never collide.
  const group = `t${randomBytes(3).toString('hex')}.conveyor.dev`;
  const crdName = `widgets.${group}`;
  const resource = crdName;
  let namespace: { name: string; remove: () => Promise<void> };
  let options: { kubeconfig: string; namespace: string };

  before(async () => {
    const { kubeconfig } = suite.get();
    namespace = await createNamespace('crd', kubeconfig);
    options = { kubeconfig, namespace: namespace.name };
    await apply(
      [
        {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: crdName },
          spec: {
            group,
            scope: 'Namespaced',
            names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
            versions: [
              {
                name: 'v1alpha1',
                served: true,
                storage: true,
                subresources: { status: {} },
                schema: {
                  openAPIV3Schema: {
                    type: 'object',
                    properties: {
                      spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                      status: { type: 'object', properties: { phase: { type: 'string' } } },
                    },
                  },
                },
              },
            ],
          },
        },
      ],
      { kubeconfig },
    );
    await waitFor(
      `CRD ${crdName} to be established`,
      async () => {
        const crd = await getObject<{ status?: { conditions?: { type: string; status: string }[] } }>(
          'crd',
          crdName,
          { kubeconfig },
        );
        return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      { resources: `crd/${crdName}`, options: { kubeconfig } },
    );
  });
  after(async () => {
    await namespace?.remove();
    await kubectl(['delete', 'crd', crdName, '--ignore-not-found', '--wait=false'], {
      kubeconfig: suite.get().kubeconfig,
    });
  });

  const widget = (spec: object, status?: object) => ({
    apiVersion: `${group}/v1alpha1`,
    kind: 'Widget',
    metadata: { name: 'w' },
    spec,
    ...(status ? { status } : {}),
  });

  test('the schema rejects invalid objects', async () => {
    const result = await kubectl(['create', '-f', '-'], {
      ...options,
      input: JSON.stringify(widget({ size: 0 })),
      allowFailure: true,
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /spec\.size/);
  });

  test('status is written only through the status subresource', async () => {
    await kubectl(['create', '-f', '-'], {
      ...options,
      input: JSON.stringify(widget({ size: 2 }, { phase: 'Ignored' })),
    });
    const created = await getObject<Widget>(resource, 'w', options);
    assert.equal(created?.status, undefined, 'status in a create is dropped');
    assert.equal(created?.metadata.generation, 1);

    await kubectl(
      ['patch', resource, 'w', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Ready"}}'],
      options,
    );
    const afterStatus = await getObject<Widget>(resource, 'w', options);
    assert.equal(afterStatus?.status?.phase, 'Ready');
    assert.equal(afterStatus?.metadata.generation, 1, 'status writes do not bump the generation');

    await kubectl(
      ['patch', resource, 'w', '--type=merge', '-p', '{"spec":{"size":3},"status":{"phase":"Changed"}}'],
      options,
    );
    const afterSpec = await getObject<Widget>(resource, 'w', options);
    assert.equal(afterSpec?.spec?.size, 3);
    assert.equal(afterSpec?.status?.phase, 'Ready', 'spec writes cannot change status');
    assert.equal(afterSpec?.metadata.generation, 2);
  });
});
