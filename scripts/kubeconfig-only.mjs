// An esbuild plugin for the controller's KubeConfig (src/kube/kube-config.ts imports client-node's
// kubeconfig module alone): that module is bundled, and its one import that would load the
// generated API classes of every Kubernetes group (for makeApiClient, which the controller does
// not call: it sends its requests itself) is replaced by a stub that says so. The controller's
// process is about 55 MiB smaller. The rest of client-node stays external for the CLI's commands.
import { join } from 'node:path';

export const KUBECONFIG_ONLY_NAMESPACE = 'kubeconfig-only';
const MODULE = '@kubernetes/client-node/dist/config.js';

export function kubeConfigOnly(root) {
  const file = join(root, 'node_modules', MODULE);
  return {
    name: 'kubeconfig-only',
    setup(build) {
      build.onResolve({ filter: /^@kubernetes\/client-node\/dist\/config\.js$/ }, () => ({ path: file }));
      build.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) =>
        args.importer === file ? { path: 'generated-api', namespace: KUBECONFIG_ONLY_NAMESPACE } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: KUBECONFIG_ONLY_NAMESPACE }, () => ({
        loader: 'js',
        contents: `const absent = () => {
  throw new Error('makeApiClient is not part of the controller (src/kube/kube-config.ts)');
};
export const createConfiguration = absent;
export class ServerConfiguration {
  constructor() {
    absent();
  }
}`,
      }));
    },
  };
}
