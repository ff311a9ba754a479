// What most operator suites set up around their tests: the CRDs, namespaces of their own and one
// `conveyor controller` watching them, made in the suite's before() and removed in its after().
import { after, before } from 'node:test';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { installCrds } from './install-crds.ts';
import { createNamespace } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import type { ClusterSuite } from './use-cluster.ts';

export interface SuiteNamespace {
  readonly name: string;
  readonly remove: () => Promise<void>;
}

export interface ControllerSuiteOptions<K extends string> {
  /** The namespaces to create, by the name the tests know them by: the prefix of each one's name. */
  readonly namespaces: Readonly<Record<K, string>>;
  /** Also install the approval policy and the approver and operator roles (see installCrds). */
  readonly approvals?: boolean;
  /** The namespaces the controller watches; all of them by default. */
  readonly watch?: readonly NoInfer<K>[];
  /**
   * Runs once the namespaces exist, before the controller starts (policies, role bindings). What it
   * returns runs in after(), once the controller has stopped and before the namespaces go.
   */
  readonly prepare?: (
    kubeconfig: string,
    namespaces: Readonly<Record<K, SuiteNamespace>>,
  ) => Promise<(() => Promise<void>) | void>;
}

export interface ControllerSuite<K extends string> {
  readonly kubeconfig: string;
  /** Filled in by before(): read its fields in tests (they are undefined before). */
  readonly namespaces: Readonly<Record<K, SuiteNamespace>>;
  readonly controller: ControllerProcess;
}

/**
 * Call inside describe(): registers the before() that sets the suite up and the after() that takes
 * it down, even when before() stopped half way. Its fields are there from before() on.
 */
export function useControllerSuite<K extends string>(
  suite: ClusterSuite,
  options: ControllerSuiteOptions<K>,
): ControllerSuite<K> {
  let kubeconfig: string | undefined;
  const namespaces = {} as Record<K, SuiteNamespace>;
  let undoPrepare: (() => Promise<void>) | void;
  let controller: ControllerProcess | undefined;

  before(async () => {
    kubeconfig = suite.get().kubeconfig;
    await installCrds(kubeconfig, { approvals: options.approvals ?? false });
    for (const [key, prefix] of Object.entries(options.namespaces) as [K, string][])
      namespaces[key] = await createNamespace(prefix, kubeconfig);
    undoPrepare = await options.prepare?.(kubeconfig, namespaces);
    const watched = options.watch ?? (Object.keys(namespaces) as K[]);
    controller = startController({ kubeconfig, namespace: watched.map((k) => namespaces[k].name).join(',') });
  });

  after(async () => {
    await controller?.stop();
    await undoPrepare?.();
    for (const ns of Object.values<SuiteNamespace>(namespaces)) await ns.remove();
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the controller suite is set up in before(): use it in tests');
    return value;
  };
  return {
    get kubeconfig() {
      return ready(kubeconfig);
    },
    namespaces,
    get controller() {
      return ready(controller);
    },
  };
}

export interface ControllerNamespace {
  readonly kubeconfig: string;
  /** The namespace's name. */
  readonly namespace: string;
  /** kubectl as the admin in the namespace. */
  readonly target: KubectlOptions;
  readonly controller: ControllerProcess;
}

/** useControllerSuite with one namespace, named `prefix-` and six hex digits. */
export function useControllerNamespace(suite: ClusterSuite, prefix: string): ControllerNamespace {
  const setup = useControllerSuite(suite, { namespaces: { main: prefix } });
  return {
    get kubeconfig() {
      return setup.kubeconfig;
    },
    get namespace() {
      return setup.namespaces.main.name;
    },
    get target() {
      return { kubeconfig: setup.kubeconfig, namespace: setup.namespaces.main.name };
    },
    get controller() {
      return setup.controller;
    },
  };
}
