// The CustomResourceDefinition envelope shared by Workflow and WorkflowRun: group, version, names,
// status subresource and printer columns around a spec and a status schema.
import type { OpenApiSchema } from './openapi.ts';

import { GROUP, VERSION } from './identity.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  /** 1 shows the column only with `-o wide`. */
  priority?: number;
}

export interface ResourceKind {
  kind: string;
  plural: string;
  shortNames: string[];
  categories: string[];
  description: string;
  spec: OpenApiSchema;
  status: OpenApiSchema;
  columns: PrinterColumn[];
  /** Fields a list or watch may select on (`fieldSelector`), Kubernetes 1.31+ (GA in 1.32). */
  selectableFields?: { jsonPath: string }[];
}

export type CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: OpenApiSchema };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      selectableFields?: { jsonPath: string }[];
    }[];
  };
};

export function customResourceDefinition(resource: ResourceKind): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${resource.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'conveyor', 'app.kubernetes.io/component': 'crd' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: resource.kind,
        listKind: `${resource.kind}List`,
        plural: resource.plural,
        singular: resource.kind.toLowerCase(),
        shortNames: resource.shortNames,
        categories: resource.categories,
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: resource.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: `${GROUP}/${VERSION}` },
                kind: { type: 'string', description: resource.kind },
                metadata: { type: 'object' },
                spec: resource.spec,
                // A new object reads as not yet observed (0 is older than any generation), so that
                // kstatus (Flux's wait, kubectl wait) sees it in progress until the controller writes
                // status, rather than finished because it has none.
                status: { ...resource.status, default: { observedGeneration: 0 } },
              },
            },
          },
          // Status is written through /status only: a user's update of the run cannot touch it, and
          // the controller's status writes do not bump metadata.generation.
          subresources: { status: {} },
          additionalPrinterColumns: resource.columns,
          ...(resource.selectableFields ? { selectableFields: resource.selectableFields } : {}),
        },
      ],
    },
  };
}

/** kstatus' Ready condition, as a column. */
export const READY_COLUMN: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'The Ready condition.',
};

export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation.',
};
