// The Job built for a step attempt: deterministic name, owner, labels, no Kubernetes retries, the
// step's timeout and resources, the runner's settings, and restricted pod security.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StartAttemptAction } from '../../../src/engine/types.ts';
import { buildJob } from '../../../src/executors/kubernetes/job-manifest.ts';
import { jobName } from '../../../src/executors/kubernetes/names.ts';

const run = { name: 'deploy-1', namespace: 'prod', uid: 'uid-1', workflow: 'deploy' };
const action: StartAttemptAction = {
  kind: 'startAttempt',
  attemptId: 'deploy_api-2',
  step: 'deploy_api',
  attempt: 2,
  purpose: 'main',
  command: "sysctl deploy api --env 'prod env'",
  dynamic: false,
  env: { MODE: 'fast' },
  timeoutMs: 90_500,
  captureOutput: false,
  resources: { cpuMillis: 500, memoryBytes: 256 * 1024 * 1024 },
};

type Job = {
  metadata: {
    name: string;
    labels: Record<string, string>;
    ownerReferences: { uid: string; controller: boolean }[];
  };
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    template: {
      spec: {
        serviceAccountName?: string;
        securityContext: Record<string, unknown>;
        nodeSelector?: Record<string, string>;
        containers: {
          image: string;
          command: string[];
          env: { name: string; value: string }[];
          envFrom?: { secretRef: { name: string } }[];
          resources: Record<string, Record<string, string>>;
          securityContext: Record<string, unknown>;
        }[];
      };
    };
  };
};

test('a step attempt becomes an owned Job with a deterministic name and no Kubernetes retries', () => {
  const job = buildJob(run, action, undefined, { image: 'busybox:1.37' }) as unknown as Job;
  assert.equal(job.metadata.name, jobName('deploy-1', 'deploy_api', 2));
  assert.match(job.metadata.name, /^deploy-1-deploy-api-2-[0-9a-f]{6}$/);
  assert.deepEqual(
    job.metadata.ownerReferences.map((o) => [o.uid, o.controller]),
    [['uid-1', true]],
  );
  assert.equal(job.metadata.labels['conveyor.dev/run'], 'deploy-1');
  assert.equal(job.metadata.labels['conveyor.dev/step'], 'deploy_api');
  assert.equal(job.spec.backoffLimit, 0);
  assert.equal(job.spec.activeDeadlineSeconds, 91);
  const container = job.spec.template.spec.containers[0];
  assert.deepEqual(container?.command, ['sh', '-c', "sysctl deploy api --env 'prod env'"]);
  assert.deepEqual(container?.resources, {
    requests: { cpu: '500m', memory: '268435456' },
    limits: { cpu: '500m', memory: '268435456' },
  });
  assert.ok(container?.env.some((e) => e.name === 'MODE' && e.value === 'fast'));
  assert.ok(container?.env.some((e) => e.name === 'CONVEYOR_STEP' && e.value === 'deploy_api'));
});

test('pods run under restricted pod security by default', () => {
  const job = buildJob(run, action, undefined, { image: 'busybox:1.37' }) as unknown as Job;
  const pod = job.spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  const c = pod.containers[0]?.securityContext;
  assert.equal(c?.allowPrivilegeEscalation, false);
  assert.deepEqual(c?.capabilities, { drop: ['ALL'] });
});

test("the runner's image, service account, env from Secrets and node selector apply", () => {
  const runner = {
    image: 'ghcr.io/acme/ops:1',
    serviceAccountName: 'deployer',
    env: { REGION: 'eu' },
    envFromSecrets: ['deploy-credentials'],
    nodeSelector: { pool: 'ops' },
    tolerations: [],
    podLabels: { team: 'platform' },
  };
  const job = buildJob(run, action, runner, { image: 'busybox:1.37' }) as unknown as Job;
  const pod = job.spec.template.spec;
  assert.equal(pod.containers[0]?.image, 'ghcr.io/acme/ops:1');
  assert.equal(pod.serviceAccountName, 'deployer');
  assert.deepEqual(pod.containers[0]?.envFrom, [{ secretRef: { name: 'deploy-credentials' } }]);
  assert.deepEqual(pod.nodeSelector, { pool: 'ops' });
  assert.equal(job.metadata.labels.team, 'platform');
});

test('a script with a shebang is passed through the environment and executed as a file', () => {
  const job = buildJob(run, { ...action, command: undefined, script: '#!/bin/bash\necho hi\n' }, undefined, {
    image: 'x',
  }) as unknown as Job;
  const c = job.spec.template.spec.containers[0];
  assert.equal(c?.command[0], 'sh');
  assert.match(c?.command[2] ?? '', /exec "\$f"/);
  assert.ok(c?.env.some((e) => e.name === 'CONVEYOR_SCRIPT' && e.value === '#!/bin/bash\necho hi\n'));
});

test('Job names stay within 63 characters and distinct when long', () => {
  const long = 'a'.repeat(50);
  const a = jobName(long, 'step_one', 1);
  const b = jobName(long, 'step_two', 1);
  assert.ok(a.length <= 63 && b.length <= 63);
  assert.notEqual(a, b);
  assert.match(a, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  assert.match(jobName('run', 'Deploy_API', 3), /^run-deploy-api-3-[0-9a-f]{6}$/);
});

test('Job names of runs and steps that read the same as a name stay distinct', () => {
  assert.notEqual(jobName('r.x', 'build', 1), jobName('r-x', 'build', 1));
  assert.notEqual(jobName('deploy', 'x-build', 1), jobName('deploy-x', 'build', 1));
  const long = 'b'.repeat(70);
  const names = new Set([1, 2, 9, 10, 11, 100].map((attempt) => jobName(long, 'step', attempt)));
  assert.equal(names.size, 6);
  for (const name of names) assert.ok(name.length <= 63, name);
});
