// The runtime's hooks feed the controller metrics: restarts and relists by resource, queue depth,
// API errors by code, and the leader gauge.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeApiError } from '../../../src/kube/api-error.ts';
import {
  informerMetrics,
  leaderMetrics,
  queueMetrics,
  recordApiError,
} from '../../../src/controller/instrument.ts';
import { createControllerMetrics } from '../../../src/observability/metrics.ts';

describe('runtime metrics wiring', () => {
  it('counts what the runtime reports under the documented names and labels', async () => {
    const metrics = createControllerMetrics({ processMetrics: false });
    const hooks = informerMetrics(metrics, 'jobs');
    hooks.onWatchRestart('watchdog');
    hooks.onRelist('expired');
    queueMetrics(metrics, 'workflowruns', { depth: 7 });
    recordApiError(metrics, 'create', 'jobs', new KubeApiError(403, 'forbidden'));
    recordApiError(metrics, 'get', 'pods', Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    const leader = leaderMetrics(metrics);
    await leader.onStartedLeading();

    const text = await metrics.registry.metrics();
    assert.match(text, /^conveyor_watch_restarts_total\{resource="jobs",reason="watchdog"\} 1$/m);
    assert.match(text, /^conveyor_watch_relists_total\{resource="jobs"\} 1$/m);
    assert.match(text, /^conveyor_workqueue_depth\{queue="workflowruns"\} 7$/m);
    assert.match(text, /^conveyor_api_errors_total\{verb="create",resource="jobs",code="403"\} 1$/m);
    assert.match(text, /^conveyor_api_errors_total\{verb="get",resource="pods",code="ECONNRESET"\} 1$/m);
    assert.match(text, /^conveyor_leader 1$/m);
    await leader.onStoppedLeading();
    assert.match(await metrics.registry.metrics(), /^conveyor_leader 0$/m);
  });
});
