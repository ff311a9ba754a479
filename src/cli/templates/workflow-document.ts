// Edits a workflow file as a YAML Document rather than as plain data, so that what a person wrote
// (comments, key order, quoting, block scripts) survives `create` and `template generate`.
import { isMap, isScalar, isSeq, Pair, parseDocument, YAMLSeq } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';

export type WorkflowDocument = Document.Parsed;

/** How every edited workflow is written back: no folding of long commands, `[a, b]` lists. */
const STRINGIFY_OPTIONS = { lineWidth: 0, flowCollectionPadding: false } as const;

/** Parses text that loadWorkflow has already accepted; a YAML error here is a bug. */
export function parseWorkflowDocument(text: string): WorkflowDocument {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`workflow document does not parse: ${doc.errors[0]?.message}`);
  return doc;
}

export function stringifyWorkflow(doc: WorkflowDocument): string {
  return doc.toString(STRINGIFY_OPTIONS);
}

/** The mapping that holds the workflow language: the document itself, or a Workflow resource's `spec`. */
export function workflowBody(doc: WorkflowDocument): YAMLMap {
  const root = doc.contents;
  if (!isMap(root)) throw new Error('workflow document is not a mapping');
  if (root.has('kind')) {
    const spec = root.get('spec', true);
    if (!isMap(spec)) throw new Error('Workflow resource without a spec mapping');
    return spec;
  }
  return root;
}

/** Renames the workflow: `name`, or `metadata.name` of a Workflow resource. */
export function setWorkflowName(doc: WorkflowDocument, name: string): void {
  const root = doc.contents;
  if (isMap(root) && root.has('kind')) doc.setIn(['metadata', 'name'], name);
  else setScalar(doc, workflowBody(doc), 'name', name);
}

/** The `parameters` entry whose name is `name`. */
export function findParameterNode(doc: WorkflowDocument, name: string): YAMLMap | undefined {
  const params = workflowBody(doc).get('parameters', true);
  if (!isSeq(params)) return undefined;
  return params.items.find((item): item is YAMLMap => isMap(item) && item.get('name') === name);
}

/**
 * Sets a key of a mapping, keeping the existing node (and its comment and quoting) when both the
 * old and the new value are scalars; lists are written in flow style, `[a, b]`.
 */
export function setScalar(doc: WorkflowDocument, map: YAMLMap, key: string, value: unknown): void {
  const current = map.get(key, true);
  const isPlainValue = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  if (isScalar(current) && isPlainValue) {
    // A quoted style chosen for a string would turn a number or boolean into a string.
    if (typeof value !== 'string' && current.type !== 'PLAIN') current.type = undefined;
    current.value = value;
    return;
  }
  const node = doc.createNode(value, { flow: true }) as YamlNode;
  if (current && (isScalar(current) || isMap(current) || isSeq(current))) {
    node.comment = current.comment;
    node.commentBefore = current.commentBefore;
  }
  map.set(key, node);
}

/** Adds entries to `parameters`, creating the list (after the workflow's descriptive keys) if needed. */
export function appendParameters(doc: WorkflowDocument, entries: readonly Record<string, unknown>[]): void {
  if (entries.length === 0) return;
  const body = workflowBody(doc);
  const existing = body.get('parameters', true);
  let params: YAMLSeq;
  if (isSeq(existing)) params = existing;
  else {
    params = new YAMLSeq();
    const key = doc.createNode('parameters');
    key.spaceBefore = true;
    const after = ['name', 'description', 'version', 'author', 'documentation'];
    let index = 0;
    body.items.forEach((p, i) => {
      if (isScalar(p.key) && after.includes(String(p.key.value))) index = i + 1;
    });
    body.items.splice(index, 0, new Pair(key, params));
  }
  // Follow the list's own layout: a blank line between entries if its entries have one.
  const spaced = params.items.slice(1).some((item) => (item as YamlNode).spaceBefore);
  for (const entry of entries) {
    const node = doc.createNode(entry) as YAMLMap;
    node.spaceBefore = spaced;
    // Lists inside a parameter (an enum, a default) read best on one line.
    for (const pair of node.items) if (isSeq(pair.value)) pair.value.flow = true;
    params.items.push(node);
  }
  // A blank line between the new parameters and the next key, as people write them.
  const next = body.items[body.items.findIndex((p) => p.value === params) + 1];
  if (next && isScalar(next.key)) next.key.spaceBefore = true;
}
