// The Jobs and pods of steps under a hostile user, on a real control plane: mallory holds the built-in
// `edit` role in the namespaces (she may create Jobs and pods there) and may not approve; bob approves.
// Where crds/step-objects-policy.yaml is bound, the API server refuses her Job made first under a
// gated step's name (with the run's labels and owner) and her pods labelled for a run, and the
// approved step then runs its own command. Where it is not, the controller still never adopts her Job
// or counts her pod: the step ends as taken, never Succeeded. Runs still succeed under the policy,
// with pods made by the controller and by Kubernetes' Job controller (--step-pods job-controller).
// What ran is read from an execution log the steps (and mallory's pods) append to, never from status.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { jobName } from '../../src/executors/kubernetes/names.ts';
import { JOB_MANAGER, LABELS, MANAGED_BY } from '../../src/spec/crd/identity.ts';
import { CREATED_BY_ANNOTATION } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER } from './harness.ts';
import { apply, getObject, kubectl, waitFor } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { startController } from './controller-process.ts';
import { useControllerSuite, type SuiteNamespace } from './controller-suite.ts';
import { waitForRun as waitForRunIn } from './lib/wait-for-run.ts';
import { installScopedPolicies, waitForStepObjectsPolicy } from './scoped-policies.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

const MALLORY = 'mallory';

interface Run {
  metadata: { name: string; uid: string };
  status?: {
    phase?: string;
    steps?: Record<string, { phase: string; reason?: string; message?: string }>;
  };
}

describe('step Jobs and pods under a hostile user', suite.options, () => {
  const setup = useControllerSuite(suite, {
    namespaces: {
      /** The policy is bound here (and in jobController). */
      guarded: 'step-objects',
      /** No policy: only the controller's own checks stand. */
      open: 'step-objects-open',
      /** The policy, and a controller that leaves pods to Kubernetes' Job controller. */
      jobController: 'step-objects-jc',
    },
    // The CRDs, the approval policy and the approver role, as the chart installs them.
    approvals: true,
    watch: ['guarded', 'open'],
    async prepare(kubeconfig, { guarded, open, jobController }) {
      const policies = await installScopedPolicies(
        kubeconfig,
        ['step-objects-policy.yaml'],
        [guarded.name, jobController.name],
      );
      for (const namespace of [guarded, open, jobController]) {
        await kubectl(
          ['create', 'rolebinding', 'editors', '--clusterrole=edit', `--user=${MALLORY}`],
          admin(namespace),
        );
        await kubectl(
          ['create', 'rolebinding', 'approvers', '--clusterrole=conveyor-approver', '--user=bob'],
          admin(namespace),
        );
      }
      await waitForStepObjectsPolicy(kubeconfig, guarded.name);
      return () => policies.remove();
    },
  });
  const work = mkdtempSync(join(tmpdir(), 'conveyor-step-objects-'));
  const execLog = join(work, 'exec.log');

  const ran = (): string[] =>
    existsSync(execLog) ? readFileSync(execLog, 'utf8').split('\n').filter(Boolean) : [];
  const record = (line: string): string => `echo "${line}" >> ${execLog}`;
  const ns = setup.namespaces;
  const admin = (namespace: SuiteNamespace): KubectlOptions => ({
    kubeconfig: setup.kubeconfig,
    namespace: namespace.name,
  });
  /** kubectl as someone else (impersonated by the admin). */
  const as = (user: string, namespace: SuiteNamespace, args: readonly string[], input?: string) =>
    kubectl([`--as=${user}`, ...args], {
      ...admin(namespace),
      allowFailure: true,
      ...(input ? { input } : {}),
    });

  async function createRun(
    namespace: SuiteNamespace,
    name: string,
    steps: Record<string, unknown>[],
  ): Promise<Run> {
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
          spec: { workflow: { steps } },
        },
      ],
      admin(namespace),
    );
    const run = await getObject<Run>('workflowrun', name, admin(namespace));
    assert.ok(run);
    return run;
  }

  const waitForRun = (
    namespace: SuiteNamespace,
    name: string,
    ok: (run: Run) => boolean,
    log = setup.controller,
  ) => waitForRunIn<Run>(name, ok, admin(namespace), () => log.log());

  const approve = (namespace: SuiteNamespace, run: string, step: string) =>
    as('bob', namespace, [
      'patch',
      'workflowrun.conveyor.dev',
      run,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { approvals: { [step]: { bob: { decision: 'approved' } } } } }),
    ]);

  /** A gated step and one that depends on it: what an approval is asked for. */
  const gated = (run: string) => [
    {
      name: 'deploy',
      command: record(`${run} deploy`),
      manual_approval: true,
      approvers: { users: ['bob'] },
    },
    { name: 'announce', command: record(`${run} announce`), depends_on: ['deploy'] },
  ];

  /** The labels the controller puts on an attempt's Job and pod. */
  const attemptLabels = (run: string, step: string): Record<string, string> => ({
    [LABELS.run]: run,
    [LABELS.workflow]: run,
    [LABELS.step]: step,
    [LABELS.attempt]: '1',
    [LABELS.managedBy]: MANAGED_BY,
  });

  function pod(name: string, labels: Record<string, string>, command: string) {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'step', image: 'busybox', command: ['sh', '-c', command] }],
      },
    };
  }

  /** mallory's Job under the name of the run's gated step, naming the run as its controlling owner. */
  function forgedJob(run: Run, options: { labels: boolean; managedBy: boolean; podLabels?: boolean }) {
    const name = jobName(run.metadata.name, 'deploy', 1);
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        ...(options.labels ? { labels: attemptLabels(run.metadata.name, 'deploy') } : {}),
        // The run's uid is no secret: every Job of the run carries it, and mallory may read Jobs.
        ownerReferences: [
          {
            apiVersion: 'conveyor.dev/v1alpha1',
            kind: 'WorkflowRun',
            name: run.metadata.name,
            uid: run.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: {
        ...(options.managedBy ? { managedBy: JOB_MANAGER } : {}),
        backoffLimit: 0,
        template: {
          ...(options.podLabels ? { metadata: { labels: attemptLabels(run.metadata.name, 'deploy') } } : {}),
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'step',
                image: 'busybox',
                command: ['sh', '-c', record(`mallory ${run.metadata.name}`)],
              },
            ],
          },
        },
      },
    };
  }

  test('the policy type-checks against Jobs and pods without warnings', async () => {
    const policy = await waitFor(
      'the policy to be type-checked',
      async () => {
        const p = await getObject<{
          metadata: { generation: number };
          status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: unknown[] } };
        }>('validatingadmissionpolicy', 'conveyor-step-objects', { kubeconfig: setup.kubeconfig });
        return p?.status?.observedGeneration === p?.metadata.generation ? p : undefined;
      },
      {
        resources: 'validatingadmissionpolicy/conveyor-step-objects',
        options: { kubeconfig: setup.kubeconfig },
      },
    );
    assert.deepEqual(policy.status?.typeChecking?.expressionWarnings ?? [], []);
  });

  test("the API server refuses mallory's Job under a gated step's name, and the approved step runs its own command", async () => {
    const run = await createRun(ns.guarded, 'gated', gated('gated'));
    await waitForRun(ns.guarded, 'gated', (r) => r.status?.phase === 'AwaitingApproval');
    for (const options of [
      { labels: true, managedBy: true },
      { labels: true, managedBy: false },
      { labels: false, managedBy: true },
      // Left to the Job controller, whose pods would carry the labels.
      { labels: false, managedBy: false, podLabels: true },
    ]) {
      const refused = await as(
        MALLORY,
        ns.guarded,
        ['create', '-f', '-'],
        JSON.stringify(forgedJob(run, options)),
      );
      assert.notEqual(refused.code, 0, `${JSON.stringify(options)}: ${refused.stdout}`);
      assert.match(
        refused.stderr,
        new RegExp(
          `mallory may not create Job ${jobName('gated', 'deploy', 1)}: the Jobs and pods of workflow steps .* are made by the Conveyor controller only`,
        ),
      );
    }
    assert.equal((await approve(ns.guarded, 'gated', 'deploy')).code, 0);
    await waitForRun(ns.guarded, 'gated', (r) => r.status?.phase === 'Succeeded');
    assert.deepEqual(
      ran().filter((l) => l.startsWith('gated ') || l === 'mallory gated'),
      ['gated deploy', 'gated announce'],
    );
  });

  test('the API server refuses a pod labelled for a run, and a change of those labels on any pod', async () => {
    const name = jobName('gated', 'deploy', 1);
    const labelled = await as(
      MALLORY,
      ns.guarded,
      ['create', '-f', '-'],
      JSON.stringify(pod('forged', { ...attemptLabels('gated', 'deploy'), 'job-name': name }, 'true')),
    );
    assert.notEqual(labelled.code, 0, labelled.stdout);
    assert.match(labelled.stderr, /mallory may not create pod forged: the Jobs and pods of workflow steps/);

    // A pod of her own, then labelled for the run; and the real step pod of the run relabelled.
    assert.equal(
      (await as(MALLORY, ns.guarded, ['create', '-f', '-'], JSON.stringify(pod('plain', {}, 'true')))).code,
      0,
    );
    const relabel = await as(MALLORY, ns.guarded, ['label', 'pod', 'plain', `${LABELS.run}=gated`]);
    assert.notEqual(relabel.code, 0, relabel.stdout);
    assert.match(relabel.stderr, /mallory may not change the labels conveyor\.dev\/run, .* of pod plain/);
    const stepPod = await as(MALLORY, ns.guarded, [
      'label',
      'pod',
      name,
      '--overwrite',
      `${LABELS.attempt}=2`,
    ]);
    assert.notEqual(stepPod.code, 0, stepPod.stdout);
    assert.match(stepPod.stderr, /may not change the labels/);
    // Other labels of a step's pod are none of the policy's business.
    assert.equal((await as(MALLORY, ns.guarded, ['label', 'pod', name, 'team=shop'])).code, 0);
  });

  test("the Job controller's name lets a labelled pod through only when a Job controls it", async () => {
    // Dry runs: the owner need not exist for admission (the garbage collector would see to it).
    const owned = (byJob: boolean) => ({
      ...pod('by-job-controller', attemptLabels('gated', 'deploy'), 'true'),
      metadata: {
        name: 'by-job-controller',
        labels: attemptLabels('gated', 'deploy'),
        ...(byJob
          ? {
              ownerReferences: [
                {
                  apiVersion: 'batch/v1',
                  kind: 'Job',
                  name: 'some-job',
                  uid: randomUUID(),
                  controller: true,
                },
              ],
            }
          : {}),
      },
    });
    const JOB_CONTROLLER = 'system:serviceaccount:kube-system:job-controller';
    const dryRun = ['create', '--dry-run=server', '-f', '-'];
    const loose = await as(JOB_CONTROLLER, ns.guarded, dryRun, JSON.stringify(owned(false)));
    assert.notEqual(loose.code, 0, loose.stdout);
    assert.match(loose.stderr, /may not create pod by-job-controller: the Jobs and pods of workflow steps/);
    const ofJob = await as(JOB_CONTROLLER, ns.guarded, dryRun, JSON.stringify(owned(true)));
    assert.equal(ofJob.code, 0, ofJob.stderr);
  });

  test("without the policy, mallory's Job naming the run as its controlling owner is not adopted: the approved step fails as taken", async () => {
    const run = await createRun(ns.open, 'open-gated', gated('open-gated'));
    await waitForRun(ns.open, 'open-gated', (r) => r.status?.phase === 'AwaitingApproval');
    // spec.managedBy: were it adopted, the controller itself would make its pod from her template.
    const made = await as(
      MALLORY,
      ns.open,
      ['create', '-f', '-'],
      JSON.stringify(forgedJob(run, { labels: false, managedBy: true })),
    );
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await approve(ns.open, 'open-gated', 'deploy')).code, 0);
    const done = await waitForRun(ns.open, 'open-gated', (r) =>
      ['Succeeded', 'Failed'].includes(r.status?.phase ?? ''),
    );
    assert.equal(done.status?.phase, 'Failed');
    assert.equal(done.status?.steps?.deploy?.reason, 'JobNameTaken');
    assert.match(done.status?.steps?.deploy?.message ?? '', /belongs to something else; it is not adopted/);
    const pods = await kubectl(['get', 'pods', '-o', 'name'], admin(ns.open));
    assert.equal(pods.stdout.trim(), '', 'a pod was made for her Job');
    assert.deepEqual(
      ran().filter((l) => l.startsWith('open-gated ') || l === 'mallory open-gated'),
      [],
    );
  });

  test('without the policy, a pod made first under a step Job’s name that exits 0 is not the step’s: it fails as taken', async () => {
    const name = jobName('open-squat', 'work', 1);
    const made = await as(
      MALLORY,
      ns.open,
      ['create', '-f', '-'],
      JSON.stringify(pod(name, { ...attemptLabels('open-squat', 'work'), 'job-name': name }, 'true')),
    );
    assert.equal(made.code, 0, made.stderr);
    await createRun(ns.open, 'open-squat', [
      { name: 'work', command: record('open-squat work') },
      { name: 'after', command: record('open-squat after'), depends_on: ['work'] },
    ]);
    const done = await waitForRun(ns.open, 'open-squat', (r) =>
      ['Succeeded', 'Failed'].includes(r.status?.phase ?? ''),
    );
    assert.equal(done.status?.phase, 'Failed');
    assert.equal(done.status?.steps?.work?.reason, 'PodNameTaken');
    assert.match(done.status?.steps?.work?.message ?? '', /a pod named .* belongs to something else/);
    assert.deepEqual(
      ran().filter((l) => l.startsWith('open-squat ')),
      [],
    );
  });

  test('under the policy, runs succeed with pods made by the controller and by the Job controller', async () => {
    const steps = (run: string) => [
      { name: 'a', command: record(`${run} a`) },
      { name: 'b', command: record(`${run} b`), depends_on: ['a'] },
      { name: 'c', command: record(`${run} c`), depends_on: ['a'] },
    ];
    await createRun(ns.guarded, 'plain', steps('plain'));
    await waitForRun(ns.guarded, 'plain', (r) => r.status?.phase === 'Succeeded');

    const byJobController = startController({
      kubeconfig: setup.kubeconfig,
      namespace: ns.jobController.name,
      args: ['--step-pods', 'job-controller'],
    });
    try {
      await createRun(ns.jobController, 'jc', steps('jc'));
      await waitForRun(ns.jobController, 'jc', (r) => r.status?.phase === 'Succeeded', byJobController);
      const job = await getObject<{ spec: { managedBy?: string } }>(
        'job',
        jobName('jc', 'a', 1),
        admin(ns.jobController),
      );
      assert.equal(job?.spec.managedBy, undefined, 'the Job controller made this pod');
    } finally {
      await byJobController.stop();
    }
    for (const run of ['plain', 'jc'])
      assert.deepEqual(
        ran()
          .filter((l) => l.startsWith(`${run} `))
          .sort(),
        [`${run} a`, `${run} b`, `${run} c`],
      );
  });
});
