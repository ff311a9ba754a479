// The controller's KubeConfig: client-node's own loader (kubeconfig files, in-cluster service account,
// client certificates, tokens, exec and auth-provider plugins, proxies), imported from its module
// rather than the package's index, which loads every generated model and API class of Kubernetes
// (about 55 MiB in the process). The build bundles this module without them (scripts/build.mjs), so
// makeApiClient is not available on it: the controller sends its requests itself (kube-request.ts).
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
