// The EventRecorder against a fake sink: first occurrence creates an Event, repeats within the window
// patch its count, failures fall back or are swallowed, and concurrent repeats never double-create.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoreV1Event } from '@kubernetes/client-node';
import { EventRecorder, type EventSink } from '../../../src/observability/events.ts';

class FakeSink implements EventSink {
  readonly created: CoreV1Event[] = [];
  readonly patches: { name: string; count: number; lastTimestamp: Date }[] = [];
  failCreate = false;
  failPatch = false;

  async create(namespace: string, event: CoreV1Event): Promise<unknown> {
    await Promise.resolve();
    if (this.failCreate) throw new Error('events is forbidden: User cannot create resource "events"');
    assert.equal(namespace, event.metadata?.namespace);
    this.created.push(event);
    return event;
  }

  async patch(
    _namespace: string,
    name: string,
    patch: { count: number; lastTimestamp: Date },
  ): Promise<unknown> {
    await Promise.resolve();
    if (this.failPatch) throw Object.assign(new Error('events "x" not found'), { code: 404 });
    this.patches.push({ name, ...patch });
    return {};
  }
}

const run = {
  apiVersion: 'conveyor.dev/v1alpha1',
  kind: 'WorkflowRun',
  metadata: { name: 'deploy-x7k2', namespace: 'team-a', uid: 'uid-1', resourceVersion: '42' },
};

function setup(options: { windowMs?: number } = {}) {
  const sink = new FakeSink();
  let now = 1_700_000_000_000;
  const errors: string[] = [];
  const recorder = new EventRecorder({
    sink,
    component: 'conveyor-controller',
    instance: 'pod-1',
    now: () => now,
    aggregationWindowMs: options.windowMs ?? 600_000,
    onError: (_error, verb) => errors.push(verb),
  });
  return { sink, recorder, errors, tick: (ms: number) => (now += ms), now: () => now };
}

describe('event recorder', () => {
  it('creates a core/v1 Event on the involved object', async () => {
    const { sink, recorder, now } = setup();
    await recorder.normal(run, 'StepStarted', 'Step migrate attempt 1 started as Job deploy-x7k2-migrate-1.');
    const [event] = sink.created;
    assert.equal(event?.metadata?.namespace, 'team-a');
    assert.match(event?.metadata?.name ?? '', /^deploy-x7k2\.[0-9a-f]+$/);
    assert.deepEqual(event?.involvedObject, {
      apiVersion: 'conveyor.dev/v1alpha1',
      kind: 'WorkflowRun',
      name: 'deploy-x7k2',
      namespace: 'team-a',
      uid: 'uid-1',
      resourceVersion: '42',
    });
    assert.equal(event?.type, 'Normal');
    assert.equal(event?.reason, 'StepStarted');
    assert.equal(event?.count, 1);
    assert.equal(event?.firstTimestamp?.getTime(), now());
    assert.deepEqual(event?.source, { component: 'conveyor-controller', host: 'pod-1' });
    assert.equal(event?.reportingComponent, 'conveyor-controller');
  });

  it('folds repeats within the window into one Event with a growing count', async () => {
    const { sink, recorder, tick, now } = setup();
    await recorder.warning(run, 'BackoffLimit', 'Step migrate failed.');
    tick(1_000);
    await recorder.warning(run, 'BackoffLimit', 'Step migrate failed.');
    tick(1_000);
    await recorder.warning(run, 'BackoffLimit', 'Step migrate failed.');
    assert.equal(sink.created.length, 1);
    assert.deepEqual(
      sink.patches.map((p) => [p.name, p.count, p.lastTimestamp.getTime()]),
      [
        [sink.created[0]?.metadata?.name, 2, now() - 1_000],
        [sink.created[0]?.metadata?.name, 3, now()],
      ],
    );
  });

  it('keeps different reasons, messages and objects apart', async () => {
    const { sink, recorder } = setup();
    await recorder.normal(run, 'StepStarted', 'Step a started.');
    await recorder.normal(run, 'StepStarted', 'Step b started.');
    await recorder.normal(run, 'StepSucceeded', 'Step a succeeded.');
    await recorder.normal(
      { ...run, metadata: { ...run.metadata, name: 'other', uid: 'uid-2' } },
      'StepStarted',
      'Step a started.',
    );
    assert.equal(sink.created.length, 4);
    assert.equal(sink.patches.length, 0);
  });

  it('creates a new Event once the window has passed', async () => {
    const { sink, recorder, tick } = setup({ windowMs: 60_000 });
    await recorder.normal(run, 'Waiting', 'Waiting for approval.');
    tick(60_001);
    await recorder.normal(run, 'Waiting', 'Waiting for approval.');
    assert.equal(sink.created.length, 2);
  });

  it('writes a fresh Event when the one it would update is gone', async () => {
    const { sink, recorder, errors } = setup();
    await recorder.normal(run, 'Waiting', 'Waiting for approval.');
    sink.failPatch = true;
    await recorder.normal(run, 'Waiting', 'Waiting for approval.');
    assert.equal(sink.created.length, 2);
    assert.deepEqual(errors, ['patch']);
  });

  it('never throws when the API refuses the Event', async () => {
    const { sink, recorder, errors } = setup();
    sink.failCreate = true;
    await recorder.warning(run, 'StepFailed', 'Step a failed.');
    assert.deepEqual(errors, ['create']);
  });

  it('creates once and patches for repeats recorded at the same moment', async () => {
    const { sink, recorder } = setup();
    await Promise.all([1, 2, 3].map(() => recorder.normal(run, 'Reconciled', 'Run reconciled.')));
    await recorder.flush();
    assert.equal(sink.created.length, 1);
    assert.deepEqual(
      sink.patches.map((p) => p.count),
      [2, 3],
    );
  });

  it('cuts messages to the API server limit', async () => {
    const { sink, recorder } = setup();
    await recorder.normal(run, 'Output', 'x'.repeat(5_000));
    assert.equal(sink.created[0]?.message?.length, 1024);
    assert.ok(sink.created[0]?.message?.endsWith('...'));
  });
});
