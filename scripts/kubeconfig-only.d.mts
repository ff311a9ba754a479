import type { Plugin } from 'esbuild';

export declare const KUBECONFIG_ONLY_NAMESPACE: string;
export declare function kubeConfigOnly(root: string): Plugin;
