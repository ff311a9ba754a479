// `conveyor approve RUN STEP --cluster`: writes the caller's own approval entry into the run,
// keyed by the user name the API server knows them by (SelfSubjectReview), so that the admission
// policy accepts it. Its refusals (not an approver, the run's creator, …) are shown as they are.
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { ClusterApi, ClusterError } from './api.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';

export const clusterApproveUsage = `Usage: conveyor approve RUN STEP [--reject] [--comment TEXT] --cluster [options]

Approves (or with --reject, rejects) a step of a WorkflowRun that waits for approval, as you.
The run continues by itself once enough approvers agreed.

${CLUSTER_USAGE}`;

export async function clusterApproveCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('approve', argv, {
    ...CLUSTER_OPTIONS,
    reject: { type: 'boolean' },
    comment: { type: 'string', short: 'm' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterApproveUsage}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length !== 2)
    throw new UsageError(`conveyor approve: expected RUN and STEP\n\n${clusterApproveUsage}`);
  const [runName, step] = positionals as [string, string];
  const api = new ClusterApi(connect(values, io));
  const decision = values.reject ? 'rejected' : 'approved';
  try {
    const run = await api.getRun(runName);
    if (!run) throw new UsageError(`no WorkflowRun ${runName} in namespace ${api.namespace}`);
    const requests =
      ((run.status ?? {}) as { approvals?: Record<string, { outcome?: string }> }).approvals ?? {};
    const request = requests[step];
    if (!request) {
      const waiting = Object.entries(requests)
        .filter(([, r]) => !r.outcome)
        .map(([s]) => s);
      throw new UsageError(
        `step '${step}' of ${runName} does not wait for approval (${waiting.length ? `waiting: ${waiting.join(', ')}` : 'no step of it waits for approval'})`,
      );
    }
    const user = await api.whoami();
    await api.patchRun(runName, {
      spec: {
        approvals: {
          [step]: { [user]: { decision, ...(values.comment ? { comment: values.comment as string } : {}) } },
        },
      },
    });
    io.stdout.write(
      `${decision === 'approved' ? 'Approved' : 'Rejected'} ${step} of ${runName} as ${user}.${request.outcome ? ` (The step was already ${request.outcome}.)` : ''}\n`,
    );
    return EXIT.succeeded;
  } catch (error) {
    if (error instanceof ClusterError) {
      io.stderr.write(`conveyor approve: ${refusal(error.message)}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

/**
 * An admission policy's refusal arrives wrapped in "workflowruns… is forbidden: ValidatingAdmission
 * Policy 'x' with binding 'x' denied request: WHY"; WHY is what the approver needs to read.
 */
function refusal(message: string): string {
  const denied = /ValidatingAdmissionPolicy '([^']+)'.*?denied request: (.*)$/s.exec(message);
  return denied ? `refused by the API server: ${denied[2]} (admission policy ${denied[1]})` : message;
}
