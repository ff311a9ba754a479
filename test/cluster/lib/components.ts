// Command lines of the control-plane components, with the flags controller-runtime's envtest and
// kubeadm use, adapted to loopback ports and one folder. Kept apart from process handling so the
// flags can be read in one place.
import { join } from 'node:path';
import type { Layout } from './layout.ts';
import type { KeyPair } from './pki.ts';

export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
/** First address of the service range: the `kubernetes` Service, which the serving cert must name. */
export const KUBERNETES_SERVICE_IP = '10.0.0.1';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kubelet: number;
  kwok: number;
}

export interface Credentials {
  ca: KeyPair;
  serviceAccountKey: { key: string; pub: string };
  apiserver: KeyPair;
  apiserverKubeletClient: KeyPair;
  controllerManager: KeyPair;
  scheduler: KeyPair;
  kubeconfigs: { controllerManager: string; scheduler: string; kwok: string };
}

export function etcdArgs(layout: Layout, ports: Ports): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    'etcd',
    '--name=conveyor-test',
    `--data-dir=${layout.etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=conveyor-test=${peer}`,
    // Throw-away data: durability costs start-up time and disk flushes for nothing.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

export function apiserverArgs(layout: Layout, ports: Ports, creds: Credentials): string[] {
  return [
    'apiserver',
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // The endpoint reconciler refuses loopback addresses; containers here reach the API server at
    // 127.0.0.1 directly (KUBERNETES_SERVICE_HOST), so the `kubernetes` Service needs no endpoints.
    '--endpoint-reconciler-type=none',
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${join(layout.dir, 'apiserver')}`,
    `--tls-cert-file=${creds.apiserver.cert}`,
    `--tls-private-key-file=${creds.apiserver.key}`,
    `--client-ca-file=${creds.ca.cert}`,
    '--authorization-mode=Node,RBAC',
    // The defaults (ValidatingAdmissionPolicy, ServiceAccount, ResourceQuota, ...) stay on; the node
    // agent acts with a kubelet's identity, so NodeRestriction limits it like one.
    '--enable-admission-plugins=NodeRestriction',
    '--allow-privileged=true',
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${creds.serviceAccountKey.pub}`,
    `--service-account-signing-key-file=${creds.serviceAccountKey.key}`,
    // pods/log and exec reach the node agent over verified TLS with a client certificate.
    `--kubelet-client-certificate=${creds.apiserverKubeletClient.cert}`,
    `--kubelet-client-key=${creds.apiserverKubeletClient.key}`,
    `--kubelet-certificate-authority=${creds.ca.cert}`,
    '--kubelet-preferred-address-types=InternalIP',
    '--profiling=false',
  ];
}

function delegatedAuthArgs(kubeconfig: string, serving: KeyPair, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    // The defaults (20 and 50 requests per second) suit a shared production API server; here they
    // would make a thousand-pod Job take minutes of client-side throttling.
    '--kube-api-qps=200',
    '--kube-api-burst=400',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${serving.cert}`,
    `--tls-private-key-file=${serving.key}`,
    '--profiling=false',
  ];
}

export function controllerManagerArgs(ports: Ports, creds: Credentials): string[] {
  return [
    'controller-manager',
    ...delegatedAuthArgs(
      creds.kubeconfigs.controllerManager,
      creds.controllerManager,
      ports.controllerManager,
    ),
    // Every default controller: Job, garbage collector, namespace, service account, node lifecycle...
    '--controllers=*',
    // Each controller acts as its own service account, so RBAC applies to them as in a real cluster.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${creds.serviceAccountKey.key}`,
    `--root-ca-file=${creds.ca.cert}`,
    // Lets tests issue more users through CertificateSigningRequests if they want to.
    `--cluster-signing-cert-file=${creds.ca.cert}`,
    `--cluster-signing-key-file=${creds.ca.key}`,
    '--cluster-name=conveyor-test',
  ];
}

export function schedulerArgs(ports: Ports, creds: Credentials): string[] {
  return ['scheduler', ...delegatedAuthArgs(creds.kubeconfigs.scheduler, creds.scheduler, ports.scheduler)];
}

/** Labels and taint of kwok's simulated nodes: only pods that tolerate the taint land there. */
export const KWOK_NODE_LABEL = { key: 'type', value: 'kwok' };
export const KWOK_TAINT = { key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' };

export function kwokArgs(ports: Ports, creds: Credentials, stagesFile: string): string[] {
  return [
    `--kubeconfig=${creds.kubeconfigs.kwok}`,
    `--config=${stagesFile}`,
    `--manage-nodes-with-label-selector=${KWOK_NODE_LABEL.key}=${KWOK_NODE_LABEL.value}`,
    `--server-address=127.0.0.1:${ports.kwok}`,
    // Room for thousands of simulated pod IPs (the default /24 has 256).
    '--cidr=10.128.0.0/12',
    // Leases keep the simulated nodes Ready; kwok's heartbeat stage alone is minutes apart.
    '--node-lease-duration-seconds=40',
  ];
}
