// `conveyor controller`: runs the operator (what the Helm chart's Deployment starts).
import { KubeConfig } from '../../kube/kube-config.ts';
import { hostname } from 'node:os';
import { Controller } from '../../controller/controller.ts';
import { EVENT_VOLUMES } from '../../controller/event-volume.ts';
import { applyControllerHeapSettings } from '../../controller/heap-settings.ts';
import type { EventVolume } from '../../controller/event-volume.ts';
import { createLogger } from '../../observability/logger.ts';
import { parseSetValues } from '../../spec/set-values.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { notificationsOptionUsage, readNotificationsOption } from '../notifications-option.ts';
import { parseOptions } from '../parse-options.ts';

export const controllerUsage = `Usage: conveyor controller [options]

Runs the Conveyor operator: reconciles Workflows and WorkflowRuns into Jobs.

Options:
  --namespace NS[,NS...]    watch these namespaces (default: all namespaces)
  --concurrency N           runs reconciled at once (default 8)
  --leader-elect            take part in leader election (for more than one replica)
  --lease-namespace NS      namespace of the leader-election Lease (default: POD_NAMESPACE or conveyor-system)
  --lease-name NAME         (default conveyor-controller)
  --port N                  port of /metrics, /healthz and /readyz (default 8080)
  --runner-image IMAGE      image of step Jobs when a workflow names none (default busybox:1.37)
  --runner-service-account  service account of step pods when a workflow names none
  --step-env K=V,...        environment for every step
  --events notable|all      Kubernetes Events on runs: notable (the default: no Event for a step that
                            started, succeeded or was skipped) or all (a started and a finished Event per step)
  --step-pods controller|job-controller
                            who creates a step Job's pod: the controller itself (the default: the Job
                            carries spec.managedBy, Kubernetes 1.35+; a step starts without waiting for
                            the Job controller) or Kubernetes' Job controller
  --log-level LEVEL         trace, debug, info, warn, error (default info)
  --kubeconfig FILE         default: in-cluster, then KUBECONFIG, then ~/.kube/config
${notificationsOptionUsage}

Examples:
  conveyor controller --namespace ops,staging --leader-elect
  conveyor controller --kubeconfig ~/.kube/config --log-level debug   (outside the cluster, for development)`;

export async function controllerCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseOptions('controller', argv, {
    namespace: { type: 'string', short: 'n' },
    concurrency: { type: 'string' },
    'leader-elect': { type: 'boolean' },
    'lease-namespace': { type: 'string' },
    'lease-name': { type: 'string' },
    port: { type: 'string' },
    'runner-image': { type: 'string' },
    'runner-service-account': { type: 'string' },
    'step-env': { type: 'string', multiple: true },
    'log-level': { type: 'string' },
    events: { type: 'string' },
    'step-pods': { type: 'string' },
    kubeconfig: { type: 'string' },
    'notifications-config': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${controllerUsage}\n`);
    return EXIT.succeeded;
  }
  applyControllerHeapSettings();
  const number = (name: string, fallback: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
    return n;
  };
  const eventVolume = (values.events as string | undefined) ?? 'notable';
  if (!(EVENT_VOLUMES as readonly string[]).includes(eventVolume))
    throw new UsageError(`--events must be all or notable, got ${JSON.stringify(eventVolume)}`);
  const stepPods = (values['step-pods'] as string | undefined) ?? 'controller';
  if (stepPods !== 'controller' && stepPods !== 'job-controller')
    throw new UsageError(`--step-pods must be controller or job-controller, got ${JSON.stringify(stepPods)}`);
  const stepEnv = parseSetValues((values['step-env'] as string[] | undefined) ?? []);
  if (!stepEnv.ok) throw new UsageError(`--step-env: ${stepEnv.message}`);
  const kc = new KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig as string);
  else kc.loadFromDefault();
  const logger = createLogger({
    level: (values['log-level'] as string | undefined) ?? io.env.LOG_LEVEL ?? 'info',
    name: 'controller',
  });
  const controller = new Controller({
    kc,
    namespaces: ((values.namespace as string | undefined) ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    concurrency: number('concurrency', 8),
    leaderElection: values['leader-elect']
      ? {
          namespace:
            (values['lease-namespace'] as string | undefined) ?? io.env.POD_NAMESPACE ?? 'conveyor-system',
          name: (values['lease-name'] as string | undefined) ?? 'conveyor-controller',
          identity: `${io.env.POD_NAME ?? hostname()}_${process.pid}`,
        }
      : undefined,
    port: number('port', 8080),
    jobDefaults: {
      image: (values['runner-image'] as string | undefined) ?? 'busybox:1.37',
      serviceAccountName: values['runner-service-account'] as string | undefined,
      env: Object.fromEntries(Object.entries(stepEnv.values).map(([k, v]) => [k, String(v)])),
      pods: stepPods,
    },
    logger,
    eventVolume: eventVolume as EventVolume,
    notifications: readNotificationsOption(values['notifications-config'] as string | undefined, io.env),
  });
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: finishing in-flight work and releasing the lease');
      controller.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  const { port } = await controller.start();
  logger.info({ port }, 'controller started');
  await stopped;
  return EXIT.succeeded;
}
