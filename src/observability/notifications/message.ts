// One notification as every channel sees it, and its three renderings: the JSON body of a generic
// webhook, a Slack incoming-webhook payload (`text` plus Block Kit `blocks`), and an email's
// subject and plain-text body.
import type { NotificationEvent } from '../../spec/observability.ts';

export interface ApprovalDetails {
  readonly step: string;
  /** Users who may approve; with groups empty too, anyone who may patch the run. */
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly required: number;
  readonly description?: string;
  /** The `kubectl patch` that approves (ME replaced by the approver's user name). */
  readonly command: string;
  /** The same with the CLI. */
  readonly conveyorCommand: string;
}

export interface NotificationMessage {
  /** Unique per run and event (`<namespace>/<run>/<key>`): receivers dedupe redeliveries with it. */
  readonly id: string;
  readonly event: NotificationEvent;
  readonly workflow: string;
  readonly run: string;
  /** Absent for local runs. */
  readonly namespace?: string;
  readonly phase: string;
  /** A sentence for people. */
  readonly message: string;
  /** When the event happened, ISO 8601. */
  readonly time: string;
  readonly step?: string;
  readonly approval?: ApprovalDetails;
  readonly alert?: { readonly name: string; readonly severity: string; readonly condition: string };
  readonly url?: string;
}

/** The `kubectl patch` a user runs to approve a step (the admission policy checks the user name). */
export function approvalCommands(
  run: string,
  namespace: string | undefined,
  step: string,
): { command: string; conveyorCommand: string } {
  const patch = JSON.stringify({ spec: { approvals: { [step]: { ME: { decision: 'approved' } } } } });
  const ns = namespace ? ` -n ${namespace}` : '';
  if (namespace === undefined) {
    // A local run waits in the terminal or in the state directory.
    return { command: `conveyor approve ${run} ${step}`, conveyorCommand: `conveyor approve ${run} ${step}` };
  }
  return {
    command: `kubectl patch workflowrun ${run}${ns} --type merge -p '${patch}'   # ME = your user name`,
    conveyorCommand: `conveyor approve ${run} ${step} --cluster${ns}`,
  };
}

const TITLES: Record<NotificationEvent, string> = {
  started: 'started',
  completed: 'succeeded',
  failed: 'failed',
  requires_approval: 'is waiting for approval',
  rolled_back: 'rolled back',
  alert: 'raised an alert',
};

const EMOJI: Record<NotificationEvent, string> = {
  started: ':arrow_forward:',
  completed: ':white_check_mark:',
  failed: ':x:',
  requires_approval: ':raised_hand:',
  rolled_back: ':leftwards_arrow_with_hook:',
  alert: ':warning:',
};

/** One line: "Run deploy-42 of workflow deploy failed". */
export function headline(m: NotificationMessage): string {
  const what =
    m.event === 'failed' && m.phase === 'Cancelled'
      ? 'was cancelled'
      : m.event === 'alert' && m.alert
        ? `raised a ${m.alert.severity} alert`
        : TITLES[m.event];
  const where = m.namespace ? ` in ${m.namespace}` : '';
  const step = m.event === 'requires_approval' && m.step ? ` at step ${m.step}` : '';
  return `Run ${m.run} of workflow ${m.workflow}${where} ${what}${step}`;
}

/** The generic webhook's JSON body: the message itself, stable field names. */
export function webhookBody(m: NotificationMessage): Record<string, unknown> {
  return {
    id: m.id,
    event: m.event,
    workflow: m.workflow,
    run: m.run,
    namespace: m.namespace ?? null,
    phase: m.phase,
    message: m.message,
    time: m.time,
    step: m.step ?? null,
    ...(m.approval ? { approval: m.approval } : {}),
    ...(m.alert ? { alert: m.alert } : {}),
    ...(m.url ? { url: m.url } : {}),
  };
}

/** Slack incoming-webhook payload: `text` is the notification fallback, `blocks` the layout. */
export function slackPayload(m: NotificationMessage): { text: string; blocks: Record<string, unknown>[] } {
  const title = `${EMOJI[m.event]} ${headline(m)}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(title)}*\n${escapeSlack(m.message)}` } },
  ];
  if (m.approval) {
    const who = approverText(m.approval);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `${escapeSlack(who)}. To approve:\n` +
          `\`\`\`${escapeSlack(m.approval.command)}\`\`\`\nor \`${escapeSlack(m.approval.conveyorCommand)}\``,
      },
    });
  }
  const context = [
    `workflow *${m.workflow}*`,
    `run *${m.run}*`,
    ...(m.namespace ? [`namespace *${m.namespace}*`] : []),
    `phase *${m.phase}*`,
    ...(m.alert ? [`condition \`${m.alert.condition}\``] : []),
    ...(m.url ? [`<${m.url}|details>`] : []),
  ];
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: context.map(escapeSlackKeepMarkup).join(' · ') }],
  });
  return { text: `${title}: ${m.message}`, blocks };
}

export function emailContent(m: NotificationMessage): { subject: string; text: string } {
  const lines = [
    headline(m),
    '',
    m.message,
    '',
    `Workflow:  ${m.workflow}`,
    `Run:       ${m.run}`,
    ...(m.namespace ? [`Namespace: ${m.namespace}`] : []),
    `Phase:     ${m.phase}`,
    ...(m.step ? [`Step:      ${m.step}`] : []),
    `Time:      ${m.time}`,
  ];
  if (m.alert) lines.push(`Alert:     ${m.alert.name} (${m.alert.severity}): ${m.alert.condition}`);
  if (m.approval) {
    lines.push(
      '',
      `${approverText(m.approval)}. To approve:`,
      '',
      `  ${m.approval.command}`,
      '',
      `or: ${m.approval.conveyorCommand}`,
    );
  }
  if (m.url) lines.push('', m.url);
  return { subject: `[Conveyor] ${headline(m)}`, text: `${lines.join('\n')}\n` };
}

function approverText(a: ApprovalDetails): string {
  const who = [...a.users, ...a.groups.map((g) => `group ${g}`)];
  const count = a.required > 1 ? `${a.required} approvals needed` : 'one approval needed';
  return who.length > 0
    ? `${count}, from ${who.join(', ')}`
    : `${count}, from anyone allowed to patch the run`;
}

/** Slack's mrkdwn treats &, < and > as markup. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes everything but a `<url|label>` link we wrote ourselves. */
function escapeSlackKeepMarkup(text: string): string {
  return /^<[^<>]+\|details>$/.test(text) ? text : escapeSlack(text);
}
