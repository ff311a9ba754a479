// The workflow graph and its three drawings: what is a box, what is an edge, how names that are
// not identifiers are written, and that the layout puts every step inside its group.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { loadWorkflow } from '../../../../src/spec/load.ts';
import { renderDot, dotString } from '../../../../src/cli/graph/dot.ts';
import { layoutGraph } from '../../../../src/cli/graph/layout.ts';
import { mermaidText, renderMermaid } from '../../../../src/cli/graph/mermaid.ts';
import { renderSvg, xmlEscape } from '../../../../src/cli/graph/svg.ts';
import { workflowGraph, type WorkflowGraph } from '../../../../src/cli/graph/workflow-graph.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function graphOf(yaml: string, phases: Record<string, string> = {}) {
  const loaded = loadWorkflow(yaml, 'test.yaml');
  assert.ok(loaded.workflow, JSON.stringify(loaded.diagnostics));
  return workflowGraph(loaded.workflow, new Map(Object.entries(phases)));
}

const PIPELINE = `
name: pipeline
steps:
  - name: prepare
    command: echo prepare
  - name: build
    parallel: true
    steps:
      - name: compile
        command: echo compile
        capture_output: binary
      - name: lint
        command: echo lint
      - name: check
        command: echo {{ .outputs.binary }}
        depends_on: [lint]
  - name: release
    command: echo release
    manual_approval: true
`;

describe('workflow graph', () => {
  test('makes groups hold their children and leaves the top level in document order', () => {
    const graph = graphOf(PIPELINE);
    const byName = new Map(graph.nodes.map((n) => [n.name, n]));
    assert.deepEqual(
      graph.roots.map((id) => graph.nodes.find((n) => n.id === id)?.name),
      ['prepare', 'build', 'release'],
    );
    const build = byName.get('build')!;
    assert.equal(build.isGroup, true);
    assert.equal(build.parallel, true);
    assert.deepEqual(
      build.children.map((id) => graph.nodes.find((n) => n.id === id)?.name),
      ['compile', 'lint', 'check'],
    );
    assert.equal(byName.get('check')!.parent, build.id);
    assert.equal(byName.get('release')!.manualApproval, true);
  });

  test('tells depends_on, the order of a sequence and a read output apart', () => {
    const graph = graphOf(PIPELINE);
    const name = (id: string) => graph.nodes.find((n) => n.id === id)!.name;
    const edges = graph.edges.map((e) => `${name(e.from)} ${e.kind} ${name(e.to)}`).sort();
    assert.deepEqual(edges, [
      'build order release',
      'compile output check',
      'lint depends_on check',
      'prepare order build',
    ]);
  });

  test('carries the phases of a run onto its steps', () => {
    const graph = graphOf(PIPELINE, { prepare: 'Succeeded', compile: 'Running' });
    const phase = (n: string) => graph.nodes.find((x) => x.name === n)?.phase;
    assert.equal(phase('prepare'), 'Succeeded');
    assert.equal(phase('compile'), 'Running');
    assert.equal(phase('lint'), undefined);
  });
});

describe('mermaid', () => {
  test('draws groups as subgraphs, approvals as hexagons and output edges dashed', () => {
    const text = renderMermaid(graphOf(PIPELINE));
    assert.match(text, /^flowchart TD\n/);
    assert.match(text, /subgraph s1\["build \(parallel\)"\]\n\s+direction TB\n\s+s2\["compile"\]/);
    assert.match(text, /s5\{\{"release"\}\}/);
    assert.match(text, /s2 -\.-> s4/);
    assert.match(text, /s3 --> s4/);
  });

  test('writes characters that could end a label or be read as markup as entities', () => {
    assert.equal(mermaidText('say "hi" <b>#1; a&b'), 'say #34;hi#34; #60;b#62;#35;1#59; a#38;b');
    assert.equal(mermaidText('deploy_api.v2 (blue)'), 'deploy_api.v2 (blue)');
  });

  test('colours a run by phase with one class per phase', () => {
    const text = renderMermaid(
      graphOf(PIPELINE, { prepare: 'Succeeded', compile: 'Failed', lint: 'Succeeded' }),
    );
    assert.match(text, /classDef phaseSucceeded fill:#dcfce7,stroke:#15803d/);
    assert.match(text, /class s0,s3 phaseSucceeded/);
    assert.match(text, /class s2 phaseFailed/);
    assert.match(text, /s0\["prepare #183; Succeeded"\]/);
  });
});

describe('dot', () => {
  test('draws groups as clusters and edges to a group to its box', () => {
    const text = renderDot(graphOf(PIPELINE));
    assert.match(text, /^digraph "pipeline" \{\n\s+compound=true;/);
    assert.match(text, /subgraph "cluster_s1" \{\n\s+label="build \(parallel\)";/);
    // prepare -> build: to the group's first leaf, cut at the cluster's border.
    assert.match(text, /s0 -> s2 \[lhead="cluster_s1"\];/);
    assert.match(text, /s2 -> s5 \[ltail="cluster_s1"\];/);
    assert.match(text, /s2 -> s4 \[style=dashed\];/);
    assert.match(text, /s5 \[label="release", shape=hexagon/);
  });

  test('escapes quotes and backslashes in names', () => {
    assert.equal(dotString('a "b" \\c'), '"a \\"b\\" \\\\c"');
  });
});

describe('svg layout', () => {
  test('places every step inside its group and no two steps on top of each other', async () => {
    const layout = await layoutGraph(graphOf(PIPELINE));
    const box = new Map(layout.nodes.map((p) => [p.node.name, p]));
    const group = box.get('build')!;
    for (const child of ['compile', 'lint', 'check']) {
      const c = box.get(child)!;
      assert.ok(
        c.x >= group.x &&
          c.y >= group.y &&
          c.x + c.width <= group.x + group.width &&
          c.y + c.height <= group.y + group.height,
        `${child} inside build: ${JSON.stringify({ c, group })}`,
      );
    }
    const leaves = layout.nodes.filter((p) => !p.node.isGroup);
    for (const a of leaves)
      for (const b of leaves) {
        if (a === b) continue;
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        assert.ok(apart, `${a.node.name} and ${b.node.name} overlap`);
      }
    // Layered downwards: a step starts below what it waits for.
    assert.ok(box.get('release')!.y > group.y + group.height - 1);
    assert.ok(box.get('check')!.y > box.get('lint')!.y);
    assert.equal(layout.edges.length, 4);
    for (const e of layout.edges) assert.ok(e.points.length >= 2);
  });

  test('escapes names in the SVG text and attributes, with no inline styles', async () => {
    // Step names are restricted by the schema; the title (a file name) and phases are not.
    const graph: WorkflowGraph = {
      workflow: 'odd',
      roots: ['s0'],
      edges: [],
      nodes: [
        {
          id: 's0',
          name: `a<b>&'c"`,
          isGroup: false,
          children: [],
          parallel: false,
          manualApproval: false,
          phase: '<i>',
        },
      ],
    };
    const svg = renderSvg(await layoutGraph(graph), 'odd <test>.yaml');
    assert.ok(svg.includes('a&lt;b&gt;&amp;&apos;c&quot;'));
    assert.ok(svg.includes('odd &lt;test&gt;.yaml'));
    assert.ok(!svg.includes('<b>') && !svg.includes('<i>') && !svg.includes('<test>'));
    assert.ok(!/style=|<style/.test(svg));
    assert.equal(xmlEscape(`<&>"'`), '&lt;&amp;&gt;&quot;&apos;');
  });
});

describe('every example', () => {
  test('draws as a Mermaid flowchart and as DOT naming each of its steps', () => {
    const dir = join(REPO_ROOT, 'examples');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const graph = graphOf(readFileSync(join(dir, file), 'utf8'));
      const mermaid = renderMermaid(graph);
      const dot = renderDot(graph);
      assert.match(mermaid, /^flowchart TD\n/, file);
      for (const node of graph.nodes) {
        assert.ok(
          mermaid.includes(`${node.id}[`) || mermaid.includes(`${node.id}{{`),
          `${file}: ${node.name}`,
        );
        assert.ok(dot.includes(`"${node.name}`), `${file}: ${node.name}`);
      }
    }
  });
});

describe('the README', () => {
  test('shows exactly what conveyor graph draws for its example', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /`conveyor graph examples\/build-test-package\.yaml`:\n\n```mermaid\n([\s\S]*?)```/.exec(
      readme,
    );
    assert.ok(block, 'the README has the example graph');
    const graph = graphOf(readFileSync(join(REPO_ROOT, 'examples', 'build-test-package.yaml'), 'utf8'));
    assert.equal(block[1], renderMermaid(graph));
  });
});
