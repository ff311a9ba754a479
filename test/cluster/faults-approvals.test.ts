// Approvals under abuse (and nested-shell warnings), on a real control plane with the approval admission policy and the shipped
// roles: a resumed run never runs a changed command on an old approval, a withdrawn approval stops
// counting (and a consumed one cannot be withdrawn), and an approver can approve and nothing else.
// What ran is read from an execution log that the steps append to themselves, never from status.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CREATED_BY_ANNOTATION } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER } from './harness.ts';
import { apply, createNamespace, getObject, kubectl } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { installCrds } from './install-crds.ts';
import { pollUntil } from './lib/wait.ts';
import { waitForRun as waitForRunIn } from './lib/wait-for-run.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

interface Decided {
  decision: string;
  counted?: boolean;
}

interface Run {
  metadata: { name: string; finalizers?: string[]; labels?: Record<string, string> };
  spec?: { approvals?: Record<string, Record<string, { decision: string }>>; cancel?: boolean };
  status?: {
    phase?: string;
    steps?: Record<string, { phase: string; reason?: string }>;
    approvals?: Record<string, { outcome?: string; digest?: string; decided?: Record<string, Decided> }>;
  };
}

describe('approvals under abuse', suite.options, () => {
  let ns: { name: string; remove: () => Promise<void> };
  let admin: KubectlOptions;
  let controller: ControllerProcess | undefined;
  const as: Record<string, KubectlOptions> = {};
  const work = mkdtempSync(join(tmpdir(), 'conveyor-approvals-'));
  const executions = join(work, 'executions.log');

  /** Lines the steps wrote, in order. */
  const ran = (): string[] =>
    existsSync(executions) ? readFileSync(executions, 'utf8').split('\n').filter(Boolean) : [];
  const times = (line: string): number => ran().filter((l) => l === line).length;
  const record = (line: string): string => `echo ${line} >> ${executions}`;

  before(async () => {
    const cluster = suite.get();
    await installCrds(cluster.kubeconfig, { approvals: true });
    ns = await createNamespace('approvals', cluster.kubeconfig);
    admin = { kubeconfig: cluster.kubeconfig, namespace: ns.name };
    for (const user of ['bob', 'carol', 'dave', 'erin'])
      as[user] = { kubeconfig: await cluster.kubeconfigFor(user), namespace: ns.name };
    // bob, carol and dave hold the shipped approver role; erin the shipped operator role.
    await kubectl(
      [
        'create',
        'rolebinding',
        'approvers',
        '--clusterrole=conveyor-approver',
        '--user=bob',
        '--user=carol',
        '--user=dave',
      ],
      admin,
    );
    await kubectl(
      ['create', 'rolebinding', 'operators', '--clusterrole=conveyor-operator', '--user=erin'],
      admin,
    );
    controller = startController({ kubeconfig: cluster.kubeconfig, namespace: ns.name });
  });

  after(async () => {
    await controller?.stop();
    await ns?.remove();
  });

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
      admin,
    );
  }

  const waitForRun = (name: string, ok: (run: Run) => boolean, what = ''): Promise<Run> =>
    waitForRunIn(name, ok, admin, () => controller?.log() ?? '', { what });

  const patch = (run: string, body: unknown, who: KubectlOptions) =>
    kubectl(['patch', 'wfr', run, '--type=merge', '-p', JSON.stringify(body)], {
      ...who,
      allowFailure: true,
    });

  /** `user`'s own entry for `step`: a decision, or null to remove it. */
  const decide = (run: string, step: string, user: string, decision: 'approved' | 'rejected' | null) =>
    patch(run, { spec: { approvals: { [step]: { [user]: decision && { decision } } } } }, as[user]!);

  const decidedBy = (run: Run, step: string): string[] =>
    Object.keys(run.status?.approvals?.[step]?.decided ?? {}).sort();

  test('a run resumed with a different command for an approved step waits for a fresh approval', async () => {
    const gate = (command: string) => ({
      name: 'gate',
      command,
      manual_approval: true,
      approvers: { users: ['bob'] },
    });
    await createRun('resume-a', { workflow: { steps: [gate(`${record('resume-a')}; exit 1`)] } });
    await waitForRun('resume-a', (r) => r.status?.phase === 'AwaitingApproval');
    const approved = await decide('resume-a', 'gate', 'bob', 'approved');
    assert.equal(approved.code, 0, approved.stderr);
    await waitForRun('resume-a', (r) => r.status?.phase === 'Failed');
    assert.equal(times('resume-a'), 1);

    // The same step, a different command: bob approved `resume-a`, not this.
    await createRun('resume-b', { resumeFrom: 'resume-a', workflow: { steps: [gate(record('resume-b'))] } });
    const b = await waitForRun('resume-b', (r) =>
      ['AwaitingApproval', 'Succeeded', 'Failed'].includes(r.status?.phase ?? ''),
    );
    assert.equal(times('resume-b'), 0, `the changed command ran on the old approval: ${ran().join(', ')}`);
    assert.equal(b.status?.phase, 'AwaitingApproval');
    assert.deepEqual(decidedBy(b, 'gate'), [], 'status must not show the old approver');
    assert.equal((await decide('resume-b', 'gate', 'bob', 'approved')).code, 0);
    await waitForRun('resume-b', (r) => r.status?.phase === 'Succeeded');
    assert.equal(times('resume-b'), 1);

    // Resumed with the very definition bob approved, the approval still holds.
    await createRun('resume-c', {
      resumeFrom: 'resume-a',
      workflow: { steps: [gate(`${record('resume-a')}; exit 1`)] },
    });
    const c = await waitForRun('resume-c', (r) =>
      ['AwaitingApproval', 'Failed'].includes(r.status?.phase ?? ''),
    );
    assert.equal(c.status?.phase, 'Failed');
    assert.equal(times('resume-a'), 2);
    assert.deepEqual(decidedBy(c, 'gate'), ['bob']);
  });

  test('a withdrawn approval no longer counts, and one already used cannot be withdrawn', async () => {
    await createRun('withdraw', {
      workflow: {
        steps: [
          {
            name: 'gate',
            command: record('withdraw-gate'),
            manual_approval: true,
            approvers: { users: ['bob', 'carol', 'dave'] },
            approvals_required: 2,
          },
        ],
      },
    });
    await waitForRun('withdraw', (r) => r.status?.phase === 'AwaitingApproval');
    assert.equal((await decide('withdraw', 'gate', 'bob', 'approved')).code, 0);
    await waitForRun('withdraw', (r) => decidedBy(r, 'gate').includes('bob'), 'with bob’s decision');
    const withdrawn = await decide('withdraw', 'gate', 'bob', null);
    assert.equal(withdrawn.code, 0, withdrawn.stderr);
    assert.equal((await decide('withdraw', 'gate', 'carol', 'approved')).code, 0);
    const one = await waitForRun(
      'withdraw',
      (r) => decidedBy(r, 'gate').includes('carol'),
      'with carol’s decision',
    );
    assert.equal(times('withdraw-gate'), 0, 'the step ran on a withdrawn approval');
    assert.equal(one.status?.phase, 'AwaitingApproval');
    assert.deepEqual(decidedBy(one, 'gate'), ['carol'], 'status must agree with spec');

    assert.equal((await decide('withdraw', 'gate', 'dave', 'approved')).code, 0);
    const done = await waitForRun('withdraw', (r) => r.status?.phase === 'Succeeded');
    assert.equal(times('withdraw-gate'), 1);
    assert.deepEqual(decidedBy(done, 'gate'), ['carol', 'dave']);
    // The decision was used: it can be neither withdrawn nor changed any more.
    const late = await decide('withdraw', 'gate', 'carol', null);
    assert.notEqual(late.code, 0, 'a used approval must not be withdrawn');
    assert.match(late.stderr, /already/);
    const changed = await decide('withdraw', 'gate', 'dave', 'rejected');
    assert.notEqual(changed.code, 0, 'a used approval must not change');
    const final = await getObject<Run>('workflowrun', 'withdraw', admin);
    assert.deepEqual(Object.keys(final?.spec?.approvals?.gate ?? {}).sort(), decidedBy(done, 'gate'));
  });

  test('an approver can approve and nothing else; cancelling and rolling back take the operator role', async () => {
    await createRun('verbs', {
      workflow: {
        steps: [
          {
            name: 'gate',
            command: record('verbs-gate'),
            manual_approval: true,
            approvers: { users: ['carol'] },
          },
        ],
      },
    });
    await waitForRun('verbs', (r) => r.status?.phase === 'AwaitingApproval');
    const canI = async (verb: string, who: KubectlOptions) =>
      (
        await kubectl(['auth', 'can-i', verb, 'workflowruns.conveyor.dev'], { ...who, allowFailure: true })
      ).stdout.trim();
    assert.equal(await canI('approve', as.carol!), 'yes');
    assert.equal(await canI('cancel', as.carol!), 'no');
    assert.equal(await canI('cancel', as.erin!), 'yes');

    const refusals: [string, unknown, RegExp][] = [
      ['cancel', { spec: { cancel: true } }, /cancel/],
      ['rollback', { spec: { rollback: true } }, /rollback/],
      ['add a finalizer', { metadata: { finalizers: ['example.com/hold'] } }, /finalizer/],
      ['label', { metadata: { labels: { team: 'mine' } } }, /update/],
    ];
    for (const [what, body, message] of refusals) {
      const r = await patch('verbs', body, as.carol!);
      assert.notEqual(r.code, 0, `an approver must not ${what} a run`);
      assert.match(r.stderr, message);
    }
    const run = await getObject<Run>('workflowrun', 'verbs', admin);
    assert.equal(run?.spec?.cancel, undefined);
    assert.equal(run?.metadata.finalizers, undefined);

    assert.equal((await decide('verbs', 'gate', 'carol', 'approved')).code, 0);
    await waitForRun('verbs', (r) => r.status?.phase === 'Succeeded');
    assert.equal(times('verbs-gate'), 1);

    // The operator role cancels, and still cannot approve.
    await createRun('verbs-cancel', {
      workflow: {
        steps: [
          {
            name: 'gate',
            command: record('cancel-gate'),
            manual_approval: true,
            approvers: { users: ['erin'] },
          },
        ],
      },
    });
    await waitForRun('verbs-cancel', (r) => r.status?.phase === 'AwaitingApproval');
    const approve = await decide('verbs-cancel', 'gate', 'erin', 'approved');
    assert.notEqual(approve.code, 0, 'the operator role must not approve');
    assert.match(approve.stderr, /approve/);
    const cancel = await patch('verbs-cancel', { spec: { cancel: true } }, as.erin!);
    assert.equal(cancel.code, 0, cancel.stderr);
    await waitForRun('verbs-cancel', (r) => r.status?.phase === 'Cancelled');
    assert.equal(times('cancel-gate'), 0);
  });

  test('a Workflow whose template value lands inside sh -c says so in its findings', async () => {
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'Workflow',
          metadata: { name: 'nested', namespace: ns.name },
          spec: {
            parameters: [{ name: 'version', type: 'string' }],
            steps: [
              { name: 'migrate', command: 'kubectl exec deploy/api -- sh -c "migrate {{ .version }}"' },
            ],
          },
        },
      ],
      admin,
    );
    const wf = await pollUntil(
      async () => {
        const w = await getObject<{
          status?: { findings?: { severity: string; code?: string; path: string; message: string }[] };
        }>('workflow', 'nested', admin);
        return w?.status?.findings ? w : undefined;
      },
      { what: 'the findings of Workflow nested', timeoutMs: 60_000 },
    );
    const finding = wf.status?.findings?.find((f) => f.code === 'nested-shell-value');
    assert.ok(finding, JSON.stringify(wf.status));
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.path, 'spec.steps[0].command');
    assert.match(finding.message, /sh -c.*environment variable/);
  });
});
