// Faults and abuse around a run's Jobs on the real control plane (issue 10), with real processes on
// the node agent: every step appends what it did to an execution log, so the tests read what actually
// ran, not what status claims. A replaced pinned workflow never runs, an attempt whose Job vanished
// never runs twice, runs never share Job names, status never keeps stale fields, a step that exited 0
// is never recorded Cancelled, and a reconcile error that keeps repeating ends in a Stalled condition.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { jobName, pinnedWorkflowName } from '../../src/executors/kubernetes/names.ts';
import { CREATED_BY_ANNOTATION } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER } from './harness.ts';
import { apply, createNamespace, getObject, kubectl, listObjects } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { installCrds } from './install-crds.ts';
import { pollUntil } from './lib/wait.ts';
import { waitForRun as waitForRunIn } from './lib/wait-for-run.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

interface Run {
  metadata: { name: string; uid: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    steps?: Record<string, { phase: string; attempts?: number; reason?: string; message?: string }>;
  };
}

const condition = (run: Run, type: string): Condition | undefined =>
  run.status?.conditions?.find((c) => c.type === type);

describe('faults around Jobs', suite.options, () => {
  let ns: { name: string; remove: () => Promise<void> };
  let target: KubectlOptions;
  let controller: ControllerProcess | undefined;
  let controllerLog = '';
  const work = mkdtempSync(join(tmpdir(), 'conveyor-faults-jobs-'));
  /** What the steps did, in the order they did it: one line per event, written by the steps. */
  const execLog = join(work, 'exec.log');
  const cleanups: (() => Promise<unknown>)[] = [];

  const launch = (): ControllerProcess =>
    startController({
      kubeconfig: suite.get().kubeconfig,
      namespace: ns.name,
      stepEnv: { EXEC_LOG: execLog, GATES: work },
    });

  async function restartController(): Promise<void> {
    const current = controller;
    if (current) {
      controllerLog += current.log();
      await current.stop('SIGKILL');
    }
    controller = launch();
  }

  before(async () => {
    const cluster = suite.get();
    await installCrds(cluster.kubeconfig);
    ns = await createNamespace('faults-jobs', cluster.kubeconfig);
    target = { kubeconfig: cluster.kubeconfig, namespace: ns.name };
    writeFileSync(execLog, '');
    controller = launch();
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    if (controller) await controller.stop();
    await ns?.remove();
  });

  /** The lines of the execution log that start with `prefix` (a run's own lines). */
  const executed = (prefix: string): string[] =>
    readFileSync(execLog, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith(`${prefix} `));

  /** A command that logs `<tag> <event>`; `$$` is doubled because Kubernetes expands `$(...)`. */
  const logs = (tag: string, event: string): string => `echo "${tag} ${event}" >> "$EXEC_LOG"`;
  /** Waits (in the step) until the test creates the gate file. */
  const waitForGate = (gate: string): string => `while [ ! -f "$GATES/${gate}" ]; do sleep 0.1; done`;
  const openGate = (gate: string): void => writeFileSync(join(work, gate), '');

  async function createRun(name: string, spec: Record<string, unknown>): Promise<void> {
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, namespace: ns.name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
          spec,
        },
      ],
      target,
    );
  }

  const waitForRun = (name: string, ok: (run: Run) => boolean, timeoutMs?: number): Promise<Run> =>
    waitForRunIn(name, ok, target, () => controllerLog + (controller?.log() ?? ''), { timeoutMs });

  const waitForLines = (prefix: string, count: number, what: string): Promise<string[]> =>
    pollUntil(
      () => {
        const lines = executed(prefix);
        return lines.length >= count ? lines : undefined;
      },
      {
        what,
        timeoutMs: 60_000,
        describe: () => `${readFileSync(execLog, 'utf8')}\n${controller?.log().slice(-3000)}`,
      },
    );

  const pinnedWorkflow = (tag: string, second: string): Record<string, unknown> => ({
    name: tag,
    steps: [
      { name: 'first', command: `${logs(tag, 'first')}; ${waitForGate(`${tag}-first`)}` },
      { name: 'second', command: second },
    ],
  });

  /** A ConfigMap under the run's pin name, as a user allowed to edit ConfigMaps can make one. */
  const forgedPin = (run: string, owner: Run | undefined, workflow: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: pinnedWorkflowName(run),
      namespace: ns.name,
      // Copying the owner reference is open to anyone who can read the run.
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'conveyor.dev/v1alpha1',
                kind: 'WorkflowRun',
                name: run,
                uid: owner.metadata.uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    data: { 'workflow.json': JSON.stringify(workflow) },
  });

  test('a pinned workflow replaced while its run is in flight never runs: the run stalls as PinTampered', async () => {
    await createRun('pin-1', { workflow: pinnedWorkflow('pin-1', logs('pin-1', 'second')) });
    await waitForLines('pin-1', 1, 'pin-1 to start its first step');
    const run = await waitForRun('pin-1', (r) => r.status?.phase === 'Running');
    await kubectl(['delete', 'configmap', pinnedWorkflowName('pin-1')], target);
    await apply([forgedPin('pin-1', run, pinnedWorkflow('pin-1', logs('pin-1', 'hijacked')))], target);
    // The controller reads the pin again only when it has no plan in memory: after a restart.
    await restartController();
    const stalled = await waitForRun('pin-1', (r) => condition(r, 'Stalled')?.status === 'True');
    assert.equal(condition(stalled, 'Stalled')?.reason, 'PinTampered');
    assert.equal(stalled.status?.phase, 'Running');
    openGate('pin-1-first');
    await pollUntil(
      async () =>
        (await listObjects<V1Pod>('pods', `job-name=${jobName('pin-1', 'first', 1)}`, target)).some(
          (p) => p.status?.phase === 'Succeeded',
        ),
      { what: 'the first step of pin-1 to finish', timeoutMs: 60_000 },
    );
    // Its completion wakes the run; a controller that trusted the pin would start the next Job now.
    await delay(3000);
    assert.deepEqual(executed('pin-1'), ['pin-1 first']);
    assert.deepEqual(await listObjects('jobs', 'conveyor.dev/step=second', target), []);
    const events = await kubectl(
      ['get', 'events', '--field-selector', 'involvedObject.name=pin-1,reason=PinTampered', '-o', 'name'],
      target,
    );
    assert.notEqual(events.stdout.trim(), '');
  });

  test('a pin made by someone else before the run starts is never used: the run stalls as PinTampered', async () => {
    const name = 'pin-2';
    await apply([forgedPin(name, undefined, pinnedWorkflow(name, logs(name, 'hijacked')))], target);
    await createRun(name, { workflow: pinnedWorkflow(name, logs(name, 'second')) });
    const stalled = await waitForRun(name, (r) => condition(r, 'Stalled')?.status === 'True');
    assert.equal(condition(stalled, 'Stalled')?.reason, 'PinTampered');
    assert.match(condition(stalled, 'Stalled')?.message ?? '', /pin-2-workflow/);
    assert.deepEqual(await listObjects('jobs', `conveyor.dev/run=${name}`, target), []);
  });

  test('a run whose name is longer than a label value may be (63 characters) pins its workflow and runs', async () => {
    const name = `long-${'n'.repeat(70)}`;
    await createRun(name, { workflow: { steps: [{ name: 'work', command: logs(name, 'work') }] } });
    const run = await waitForRun(name, (r) => ['Succeeded', 'Failed'].includes(r.status?.phase ?? ''));
    assert.equal(run.status?.phase, 'Succeeded', JSON.stringify(run.status));
    assert.deepEqual(executed(name), [`${name} work`]);
    const pin = await getObject<{ metadata: { labels?: Record<string, string> } }>(
      'configmap',
      pinnedWorkflowName(name),
      target,
    );
    assert.ok((pin?.metadata.labels?.['conveyor.dev/run']?.length ?? 0) <= 63);
  });

  test('a Job deleted with --cascade=orphan mid-attempt is never created again: its pod is stopped and a new attempt runs', async () => {
    const name = 'orphan-1';
    const command = [
      `trap '${logs(name, 'stopped $CONVEYOR_ATTEMPT')}; exit 143' TERM`,
      logs(name, 'start $CONVEYOR_ATTEMPT'),
      waitForGate(name),
      logs(name, 'done $CONVEYOR_ATTEMPT'),
    ].join('; ');
    await createRun(name, {
      workflow: { steps: [{ name: 'work', command, retry: { attempts: 2, delay: '1s' } }] },
    });
    await waitForLines(name, 1, `${name} to start`);
    await kubectl(['delete', 'job', jobName(name, 'work', 1), '--cascade=orphan'], target);
    // Started again: a new attempt (after the fix), or the same one a second time (the defect).
    await pollUntil(() => executed(name).filter((line) => line.includes(' start ')).length >= 2, {
      what: `${name} to start again after its Job was deleted`,
      timeoutMs: 60_000,
    });
    openGate(name);
    const run = await waitForRun(
      name,
      (r) => r.status?.phase === 'Succeeded' || r.status?.phase === 'Failed',
    );
    assert.deepEqual(executed(name), [
      `${name} start 1`,
      `${name} stopped 1`,
      `${name} start 2`,
      `${name} done 2`,
    ]);
    assert.equal(run.status?.phase, 'Succeeded');
    assert.equal(run.status?.steps?.work?.attempts, 2);
  });

  test('a Job deleted mid-attempt without retries fails the step as JobDeleted and never runs it again', async () => {
    const name = 'deleted-1';
    await createRun(name, {
      workflow: {
        steps: [
          { name: 'work', command: `${logs(name, 'start $CONVEYOR_ATTEMPT')}; ${waitForGate(name)}` },
          { name: 'after', command: logs(name, 'after') },
        ],
      },
    });
    await waitForLines(name, 1, `${name} to start`);
    await kubectl(['delete', 'job', jobName(name, 'work', 1)], target);
    // Either the run fails, or (the defect) the same attempt starts a second time.
    await pollUntil(
      async () =>
        executed(name).length > 1 ||
        (await getObject<Run>('workflowrun', name, target))?.status?.phase === 'Failed',
      { what: `${name} to fail or to start again`, timeoutMs: 60_000 },
    );
    openGate(name);
    const run = await waitForRun(name, (r) => ['Succeeded', 'Failed'].includes(r.status?.phase ?? ''));
    assert.equal(run.status?.phase, 'Failed');
    assert.equal(run.status?.steps?.work?.reason, 'JobDeleted');
    assert.equal(run.status?.steps?.work?.attempts, 1);
    assert.deepEqual(executed(name), [`${name} start 1`]);
  });

  test('runs and steps whose names read the same as a Job name each get their own Jobs', async () => {
    const pairs: [string, string][] = [
      ['same.x', 'build'],
      ['same-x', 'build'],
      ['dep', 'x_build'],
      ['dep-x', 'build'],
    ];
    for (const [run, step] of pairs)
      await createRun(run, {
        workflow: { steps: [{ name: step, command: logs('names', `${run}/${step}`) }] },
      });
    for (const [run] of pairs) await waitForRun(run, (r) => r.status?.phase === 'Succeeded', 60_000);
    assert.deepEqual(executed('names').sort(), pairs.map(([run, step]) => `names ${run}/${step}`).sort());
  });

  test('a Job under the name of an attempt but owned by someone else is never adopted', async () => {
    const name = 'squat-1';
    // Made first, by someone else: it runs its own command under the name the run's Job would have.
    await apply(
      [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: jobName(name, 'work', 1), namespace: ns.name },
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [
                  {
                    name: 'step',
                    image: 'busybox',
                    command: ['sh', '-c', `echo "${name} squatter" >> ${execLog}`],
                  },
                ],
              },
            },
          },
        },
      ],
      target,
    );
    await createRun(name, { workflow: { steps: [{ name: 'work', command: logs(name, 'work') }] } });
    const run = await waitForRun(name, (r) => ['Succeeded', 'Failed'].includes(r.status?.phase ?? ''));
    assert.equal(run.status?.phase, 'Failed');
    assert.equal(run.status?.steps?.work?.reason, 'JobNameTaken');
    assert.ok(!executed(name).includes(`${name} work`));
  });

  test('resumeFrom a run of another step count keeps what succeeded and runs the new steps', async () => {
    await createRun('resume-src', {
      workflow: {
        steps: [
          { name: 'a', command: logs('resume', 'a') },
          { name: 'b', command: `${logs('resume', 'b failed')}; exit 1` },
        ],
      },
    });
    await waitForRun('resume-src', (r) => r.status?.phase === 'Failed');
    await createRun('resume-1', {
      resumeFrom: 'resume-src',
      workflow: {
        steps: [
          { name: 'a', command: logs('resume', 'a') },
          { name: 'b', command: logs('resume', 'b') },
          { name: 'c', command: logs('resume', 'c') },
        ],
      },
    });
    const run = await waitForRun(
      'resume-1',
      (r) => ['Succeeded', 'Failed'].includes(r.status?.phase ?? ''),
      60_000,
    );
    assert.equal(run.status?.phase, 'Succeeded');
    assert.deepEqual(executed('resume'), ['resume a', 'resume b failed', 'resume b', 'resume c']);
  });

  test('a run created before its Workflow ends Succeeded without the stale WorkflowNotFound reason', async () => {
    await createRun('late-1', { workflowRef: { name: 'late-workflow' } });
    await waitForRun('late-1', (r) => condition(r, 'Ready')?.reason === 'WorkflowNotFound');
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'Workflow',
          metadata: { name: 'late-workflow', namespace: ns.name },
          spec: { steps: [{ name: 'only', command: logs('late', 'only') }] },
        },
      ],
      target,
    );
    const run = await waitForRun('late-1', (r) => r.status?.phase === 'Succeeded', 60_000);
    assert.notEqual(run.status?.reason, 'WorkflowNotFound');
    assert.doesNotMatch(run.status?.message ?? '', /does not exist/);
    assert.deepEqual(executed('late'), ['late only']);
  });

  test('a step whose process exited 0 before its sibling failed is recorded Succeeded, not Cancelled', async () => {
    const name = 'lag-1';
    const held = jobName(name, 'quick', 1);
    // Nothing may record the end of `quick` in its Job (neither the Job controller nor, for a Job it
    // manages, the controller): its conditions lag forever,
    // while its pod (written by the node) says that it exited 0.
    const policy = `hold-job-status-${ns.name}`;
    await apply(
      [
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicy',
          metadata: { name: policy },
          spec: {
            failurePolicy: 'Fail',
            matchConstraints: {
              resourceRules: [
                {
                  apiGroups: ['batch'],
                  apiVersions: ['v1'],
                  operations: ['UPDATE'],
                  resources: ['jobs/status'],
                },
              ],
            },
            validations: [
              {
                expression: `object.metadata.name != '${held}' || ((!has(object.status.succeeded) || object.status.succeeded == 0) && (!has(object.status.uncountedTerminatedPods) || !has(object.status.uncountedTerminatedPods.succeeded) || size(object.status.uncountedTerminatedPods.succeeded) == 0))`,
                message: 'held by the test: this Job may not record a finished pod',
              },
            ],
          },
        },
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicyBinding',
          metadata: { name: policy },
          spec: {
            policyName: policy,
            validationActions: ['Deny'],
            matchResources: {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns.name } },
            },
          },
        },
      ],
      target,
    );
    cleanups.push(() =>
      kubectl(
        [
          'delete',
          'validatingadmissionpolicybinding,validatingadmissionpolicy',
          policy,
          '--ignore-not-found',
        ],
        { kubeconfig: target.kubeconfig },
      ),
    );
    await createRun(name, {
      workflow: {
        steps: [
          {
            name: 'both',
            parallel: true,
            steps: [
              { name: 'quick', command: logs(name, 'quick done') },
              { name: 'failing', command: `${waitForGate(name)}; ${logs(name, 'failing failed')}; exit 1` },
            ],
          },
        ],
      },
    });
    await pollUntil(
      async () =>
        (await listObjects<V1Pod>('pods', `job-name=${held}`, target)).some(
          (p) => p.status?.phase === 'Succeeded',
        ),
      { what: `the pod of ${held} to succeed`, timeoutMs: 60_000 },
    );
    openGate(name);
    const run = await waitForRun(name, (r) => r.status?.phase === 'Failed');
    assert.deepEqual(executed(name), [`${name} quick done`, `${name} failing failed`]);
    assert.equal(run.status?.steps?.failing?.phase, 'Failed');
    assert.equal(run.status?.steps?.quick?.phase, 'Succeeded');
  });

  test('a reconcile error that repeats ends in Stalled=True with its reason and message, and clears once it stops', async () => {
    const name = 'refused-1';
    const webhook = `refuse-jobs-${ns.name}`;
    // Nothing listens on port 9: every Job creation in this namespace fails with an internal error.
    await apply(
      [
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: webhook },
          webhooks: [
            {
              name: 'refuse-jobs.conveyor.test',
              clientConfig: { url: 'https://127.0.0.1:9/refuse' },
              rules: [
                { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['jobs'] },
              ],
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns.name } },
              failurePolicy: 'Fail',
              sideEffects: 'None',
              admissionReviewVersions: ['v1'],
              timeoutSeconds: 2,
            },
          ],
        },
      ],
      target,
    );
    const removeWebhook = () =>
      kubectl(['delete', 'validatingwebhookconfiguration', webhook, '--ignore-not-found'], {
        kubeconfig: target.kubeconfig,
      });
    cleanups.push(removeWebhook);
    await createRun(name, { workflow: { steps: [{ name: 'only', command: logs(name, 'only') }] } });
    const stalled = await waitForRun(name, (r) => condition(r, 'Stalled')?.status === 'True', 120_000);
    assert.equal(condition(stalled, 'Stalled')?.reason, 'ReconcileError');
    assert.match(condition(stalled, 'Stalled')?.message ?? '', /webhook/);
    assert.equal(condition(stalled, 'Ready')?.status, 'False');
    assert.equal(executed(name).length, 0);
    await removeWebhook();
    const run = await waitForRun(name, (r) => r.status?.phase === 'Succeeded', 120_000);
    assert.equal(condition(run, 'Stalled')?.status, 'False');
    assert.deepEqual(executed(name), [`${name} only`]);
  });

  test('a Workflow whose scheduled runs keep failing to be created ends in Stalled=True, and is Ready once they can', async () => {
    const webhook = `refuse-runs-${ns.name}`;
    // Nothing listens on port 9: creating a WorkflowRun in this namespace fails with an internal error.
    await apply(
      [
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: webhook },
          webhooks: [
            {
              name: 'refuse-runs.conveyor.test',
              clientConfig: { url: 'https://127.0.0.1:9/refuse' },
              rules: [
                {
                  apiGroups: ['conveyor.dev'],
                  apiVersions: ['v1alpha1'],
                  operations: ['CREATE'],
                  resources: ['workflowruns'],
                },
              ],
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns.name } },
              failurePolicy: 'Fail',
              sideEffects: 'None',
              admissionReviewVersions: ['v1'],
              timeoutSeconds: 2,
            },
          ],
        },
      ],
      target,
    );
    const removeWebhook = () =>
      kubectl(['delete', 'validatingwebhookconfiguration', webhook, '--ignore-not-found'], {
        kubeconfig: target.kubeconfig,
      });
    cleanups.push(removeWebhook);
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'Workflow',
          metadata: { name: 'scheduled', namespace: ns.name },
          spec: {
            steps: [{ name: 'tick', command: 'true' }],
            schedules: [{ name: 'often', cron: '*/2 * * * * *', concurrency_policy: 'Forbid' }],
          },
        },
      ],
      target,
    );
    const workflowCondition = async (type: string): Promise<Condition | undefined> =>
      (await getObject<Run>('workflow', 'scheduled', target))?.status?.conditions?.find(
        (c) => c.type === type,
      );
    const stalled = await pollUntil(
      async () => {
        const c = await workflowCondition('Stalled');
        return c?.status === 'True' ? c : undefined;
      },
      { what: 'Workflow scheduled to be Stalled', timeoutMs: 120_000 },
    );
    assert.equal(stalled.reason, 'ReconcileError');
    assert.match(stalled.message, /webhook/);
    await removeWebhook();
    await pollUntil(async () => (await workflowCondition('Ready'))?.status === 'True', {
      what: 'Workflow scheduled to be Ready again',
      timeoutMs: 120_000,
    });
    await kubectl(['delete', 'workflow', 'scheduled'], target);
  });
});
