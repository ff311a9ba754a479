// Every certificate and kubeconfig of a test cluster, issued by its own CA: serving certificates,
// the components' client identities (the names the bootstrap RBAC policy expects), the node's
// kubelet identity, an admin in system:masters and ordinary users without rights.
import { join } from 'node:path';
import { KUBERNETES_SERVICE_IP, type Credentials } from './components.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import type { Layout } from './layout.ts';
import { createCertificateAuthority, createSigningKey, issueCertificate, type KeyPair } from './pki.ts';

export interface ClusterCredentials {
  ca: KeyPair;
  components: Credentials;
  node: { serving: KeyPair; kubeconfig: string };
  admin: { kubeconfig: string };
  /** Kubeconfig per ordinary user. */
  users: Record<string, string>;
}

export async function createCredentials(
  layout: Layout,
  server: string,
  names: { admin: string; node: string; users: readonly string[] },
): Promise<ClusterCredentials> {
  const pki = layout.pki;
  const ca = await createCertificateAuthority(pki);
  const issue = (
    name: string,
    commonName: string,
    usage: 'server' | 'client',
    extra: { organizations?: string[]; ips?: string[]; dnsNames?: string[] } = {},
  ) => issueCertificate(pki, ca, { name, commonName, usage, ...extra });
  const loopback = { ips: ['127.0.0.1'], dnsNames: ['localhost'] };
  const [
    serviceAccountKey,
    apiserver,
    apiserverKubeletClient,
    controllerManagerClient,
    controllerManager,
    schedulerClient,
    scheduler,
    nodeClient,
    nodeServing,
    admin,
    kwok,
    ...users
  ] = await Promise.all([
    createSigningKey(pki, 'service-account'),
    issue('apiserver', 'kube-apiserver', 'server', {
      ips: ['127.0.0.1', KUBERNETES_SERVICE_IP],
      dnsNames: [
        'localhost',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
      ],
    }),
    issue('apiserver-kubelet-client', 'kube-apiserver-kubelet-client', 'client', {
      organizations: ['system:masters'],
    }),
    issue('controller-manager-client', 'system:kube-controller-manager', 'client'),
    issue('controller-manager', 'kube-controller-manager', 'server', loopback),
    issue('scheduler-client', 'system:kube-scheduler', 'client'),
    issue('scheduler', 'kube-scheduler', 'server', loopback),
    // The node agent is a kubelet to the API server: the Node authorizer and NodeRestriction apply.
    issue('node-client', `system:node:${names.node}`, 'client', { organizations: ['system:nodes'] }),
    issue('node', names.node, 'server', { ips: ['127.0.0.1'], dnsNames: [names.node, 'localhost'] }),
    issue('admin', names.admin, 'client', { organizations: ['system:masters'] }),
    // kwok plays the kubelet of any number of nodes, which no node identity covers.
    issue('kwok-client', 'kwok-controller', 'client', { organizations: ['system:masters'] }),
    ...names.users.map((user) => issue(user, user, 'client')),
  ]);
  const kubeconfig = (file: string, userName: string, pair: KeyPair) =>
    writeKubeconfig(join(layout.kubeconfigs, `${file}.kubeconfig`), {
      server,
      caCert: ca.cert,
      userName,
      user: pair,
    });
  const [
    controllerManagerKubeconfig,
    schedulerKubeconfig,
    nodeKubeconfig,
    adminKubeconfig,
    kwokKubeconfig,
    ...userKubeconfigs
  ] = await Promise.all([
    kubeconfig('controller-manager', 'system:kube-controller-manager', controllerManagerClient),
    kubeconfig('scheduler', 'system:kube-scheduler', schedulerClient),
    kubeconfig('node', `system:node:${names.node}`, nodeClient),
    kubeconfig('admin', names.admin, admin),
    kubeconfig('kwok', 'kwok-controller', kwok),
    ...names.users.map((user, i) => kubeconfig(user, user, users[i]!)),
  ]);
  return {
    ca,
    components: {
      ca,
      serviceAccountKey,
      apiserver,
      apiserverKubeletClient,
      controllerManager,
      scheduler,
      kubeconfigs: {
        controllerManager: controllerManagerKubeconfig,
        scheduler: schedulerKubeconfig,
        kwok: kwokKubeconfig,
      },
    },
    node: { serving: nodeServing, kubeconfig: nodeKubeconfig },
    admin: { kubeconfig: adminKubeconfig },
    users: Object.fromEntries(names.users.map((user, i) => [user, userKubeconfigs[i]!])),
  };
}
