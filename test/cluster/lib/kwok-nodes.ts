// kwok's simulated nodes: Node objects the harness creates and kwok keeps Ready. Pods that tolerate
// their taint are "run" by kwok's stages (Running, then Succeeded for Job pods) without a process.
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { KWOK_NODE_LABEL, KWOK_TAINT } from './components.ts';

export const KWOK_NODE_PREFIX = 'kwok-node-';
/** Per simulated node: large, so a few nodes hold thousands of pods' requests. */
const CAPACITY = { cpu: '64', memory: '512Gi', pods: '500' };

function nodeManifest(name: string): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        [KWOK_NODE_LABEL.key]: KWOK_NODE_LABEL.value,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { taints: [KWOK_TAINT] },
    // kwok's node-initialize stage keeps the capacity a node was created with.
    status: { capacity: CAPACITY, allocatable: CAPACITY },
  };
}

export async function createKwokNodes(core: CoreV1Api, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${KWOK_NODE_PREFIX}${i}`);
  await Promise.all(names.map((name) => core.createNode({ body: nodeManifest(name) })));
  return names;
}

export async function kwokNodesReady(core: CoreV1Api, count: number): Promise<boolean> {
  const nodes = await core.listNode({ labelSelector: `${KWOK_NODE_LABEL.key}=${KWOK_NODE_LABEL.value}` });
  const ready = nodes.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return ready.length >= count;
}
