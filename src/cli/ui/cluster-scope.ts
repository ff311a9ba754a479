// Which namespaces the UI over a cluster shows: one (a run's id on the page is its name, as with
// kubectl -n) or, with -A, all of them (the id is namespace/name, as `kubectl get -A` lists them),
// and the API of the namespace an id points into, so that every action goes where its object lives.
import type { WorkflowObject, WorkflowRunObject } from '../../controller/resources.ts';
import { ClusterApi } from '../cluster/api.ts';
import type { ClusterTarget } from '../cluster/connection.ts';

export interface Located {
  readonly api: ClusterApi;
  readonly namespace: string;
  readonly name: string;
}

export class ClusterScope {
  /** "context kind, namespace team-a" or "context kind, all namespaces". */
  readonly where: string;
  private readonly apis = new Map<string, ClusterApi>();

  constructor(
    private readonly target: ClusterTarget,
    readonly allNamespaces: boolean,
  ) {
    this.where = allNamespaces ? `context ${target.kc.getCurrentContext()}, all namespaces` : target.where;
  }

  /** The namespace the informer watches: undefined for all of them. */
  get watchedNamespace(): string | undefined {
    return this.allNamespaces ? undefined : this.target.namespace;
  }

  api(namespace: string): ClusterApi {
    let api = this.apis.get(namespace);
    if (!api) {
      api = new ClusterApi({
        ...this.target,
        namespace,
        where: `context ${this.target.kc.getCurrentContext()}, namespace ${namespace}`,
      });
      this.apis.set(namespace, api);
    }
    return api;
  }

  idOf(namespace: string, name: string): string {
    return this.allNamespaces ? `${namespace}/${name}` : name;
  }

  /** Where an id of the page points, or undefined when it cannot name an object here. */
  locate(id: string): Located | undefined {
    if (!this.allNamespaces)
      return { api: this.api(this.target.namespace), namespace: this.target.namespace, name: id };
    const slash = id.indexOf('/');
    if (slash <= 0 || slash === id.length - 1) return undefined;
    const namespace = id.slice(0, slash);
    return { api: this.api(namespace), namespace, name: id.slice(slash + 1) };
  }

  listRuns(): Promise<WorkflowRunObject[]> {
    const api = this.api(this.target.namespace);
    return this.allNamespaces ? api.listRunsInAllNamespaces() : api.listRuns();
  }

  listWorkflows(): Promise<WorkflowObject[]> {
    const api = this.api(this.target.namespace);
    return this.allNamespaces ? api.listWorkflowsInAllNamespaces() : api.listWorkflows();
  }
}
