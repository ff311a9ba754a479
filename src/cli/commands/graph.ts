// `conveyor graph FILE|RUN -o mermaid|dot|svg`: a workflow's steps as a picture, for READMEs and
// change reviews; for a run (local, or with --cluster), each step coloured by its phase.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, wantsCluster } from '../cluster/backend-choice.ts';
import { renderGraph, GRAPH_FORMATS, type GraphFormat } from '../graph/render.ts';
import { fileSource, isWorkflowFile, localRunSource, type GraphSource } from '../graph/run-sources.ts';

export const graphUsage = `Usage: conveyor graph FILE|RUN [-o mermaid|dot|svg] [--out PATH] [--state-dir DIR]
       conveyor graph RUN --cluster [-n NS] [-o …]

Draws a workflow's steps: groups as boxes, depends_on and the order of sequential groups as edges
(dashed: a step waiting for an output it reads), steps that wait for approval as hexagons. For a
run, each step is coloured by its phase.

  -o, --output FORMAT   mermaid (default; renders in GitHub and GitLab markdown), dot (Graphviz),
                        svg (laid out by ELK, a standalone picture)
  --out PATH            write to PATH instead of stdout

${CLUSTER_USAGE}

Examples:
  conveyor graph deploy.yaml
  conveyor graph latest -o svg --out run.svg
  conveyor graph deploy.yaml -o dot | dot -Tpng > deploy.png`;

export async function graphCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('graph', argv, {
    ...STATE_DIR_OPTION,
    ...CLUSTER_OPTIONS,
    output: { type: 'string', short: 'o' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${graphUsage}\n`);
    return EXIT.succeeded;
  }
  const format = (values.output ?? 'mermaid') as GraphFormat;
  if (!GRAPH_FORMATS.includes(format))
    throw new UsageError(
      `conveyor graph: -o must be one of ${GRAPH_FORMATS.join(', ')}, got ${JSON.stringify(values.output)}`,
    );
  if (positionals.length !== 1)
    throw new UsageError(`conveyor graph: expected one FILE or RUN\n\n${graphUsage}`);
  const target = positionals[0]!;
  let source: GraphSource;
  if (wantsCluster(argv)) {
    const { clusterGraphSource } = await import('../cluster/run-graph.ts');
    const result = await clusterGraphSource(values, io, target);
    if (typeof result === 'number') return result;
    source = result;
  } else if (isWorkflowFile(io, target)) {
    source = await fileSource(io, target);
  } else {
    source = localRunSource(openStateStore(io, values), target);
  }
  const text = await renderGraph(source, format);
  if (typeof values.out === 'string') await writeFile(resolve(io.cwd, values.out), text);
  else io.stdout.write(text);
  return EXIT.succeeded;
}
