// `conveyor controller` with its default `--events notable`: a run's Kubernetes Events keep its start,
// failures and end, without one Event per step started or succeeded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CREATED_BY_ANNOTATION } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER } from './harness.ts';
import { apply, getObject, kubectl } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { useControllerNamespace } from './controller-suite.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

describe('Events of a run by default (--events notable)', suite.options, () => {
  const setup = useControllerNamespace(suite, 'events');

  test('records the run starting and ending, and a step retrying, but no routine step Events', async () => {
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: {
            name: 'quiet',
            namespace: setup.namespace,
            annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER },
          },
          spec: {
            workflow: {
              name: 'quiet',
              steps: [
                { name: 'one', command: 'echo one' },
                {
                  name: 'two',
                  command: 'test -f /nonexistent-conveyor-file',
                  retry: { attempts: 2, delay: '1s' },
                  continue_on_error: true,
                  depends_on: ['one'],
                },
              ],
            },
          },
        },
      ],
      setup.target,
    );
    await pollUntil(
      async () => {
        const phase = (await getObject<{ status?: { phase?: string } }>('workflowrun', 'quiet', setup.target))
          ?.status?.phase;
        return phase === 'Succeeded' || phase === 'Failed' ? phase : undefined;
      },
      { what: 'run quiet to end', timeoutMs: 60_000, describe: () => setup.controller.log().slice(-3000) },
    );
    const reasons = await pollUntil(
      async () => {
        const out = await kubectl(
          [
            'get',
            'events',
            '--field-selector',
            'involvedObject.name=quiet',
            '-o',
            'jsonpath={.items[*].reason}',
          ],
          setup.target,
        );
        const list = out.stdout.split(/\s+/).filter(Boolean);
        return list.some((r) => r === 'Completed' || r === 'Failed') ? list : undefined;
      },
      { what: 'the run end Event' },
    );
    assert.ok(reasons.includes('Started'), reasons.join(' '));
    assert.ok(reasons.includes('StepRetrying'), reasons.join(' '));
    for (const routine of ['StepStarted', 'StepSucceeded'])
      assert.ok(!reasons.includes(routine), `${routine} in ${reasons.join(' ')}`);
  });
});
