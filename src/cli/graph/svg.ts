// A laid-out workflow graph as a standalone SVG document: groups as rounded boxes with their name,
// steps as boxes coloured by phase (hexagon-cornered when they wait for approval), edges with
// arrowheads (dashed: a step waiting for an output it reads). Only presentation attributes, no
// <style> or style="", so the same markup is allowed under the UI's strict Content-Security-Policy;
// each step carries data-step/data-phase and an id for the UI to recolour it live.
import { FONT_SIZE, nodeLabel, type GraphLayout, type PlacedNode } from './layout.ts';
import { phaseColour } from './phase-colours.ts';

/** Text and attribute values: the five XML specials escaped. */
export function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

const n = (v: number) => Number(v.toFixed(1));

function drawNode(p: PlacedNode): string {
  const { node } = p;
  const attrs = `id="step-${node.id}" class="${node.isGroup ? 'group' : 'step'}${node.phase ? ` phase-${xmlEscape(node.phase)}` : ''}" data-step="${xmlEscape(node.name)}"${node.phase ? ` data-phase="${xmlEscape(node.phase)}"` : ''}`;
  const { fill, stroke } = phaseColour(node.phase);
  if (node.isGroup) {
    return [
      `<g ${attrs}>`,
      `<rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.width)}" height="${n(p.height)}" rx="8" fill="${node.phase ? fill : '#f9fafb'}" fill-opacity="${node.phase ? 0.6 : 1}" stroke="${stroke}"/>`,
      `<text x="${n(p.x + 10)}" y="${n(p.y + 18)}" font-size="${FONT_SIZE}" font-weight="bold" fill="#111827">${xmlEscape(nodeLabel(node))}</text>`,
      '</g>',
    ].join('');
  }
  const cx = p.x + p.width / 2;
  const shape = node.manualApproval
    ? `<polygon points="${[
        [p.x + 10, p.y],
        [p.x + p.width - 10, p.y],
        [p.x + p.width, p.y + p.height / 2],
        [p.x + p.width - 10, p.y + p.height],
        [p.x + 10, p.y + p.height],
        [p.x, p.y + p.height / 2],
      ]
        .map(([x, y]) => `${n(x!)},${n(y!)}`)
        .join(' ')}" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>`
    : `<rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.width)}" height="${n(p.height)}" rx="6" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>`;
  const nameY = node.phase ? p.y + p.height / 2 - 3 : p.y + p.height / 2 + FONT_SIZE / 3;
  const phase = node.phase
    ? `<text class="phase-label" x="${n(cx)}" y="${n(nameY + 15)}" font-size="${FONT_SIZE - 2}" text-anchor="middle" fill="#374151">${xmlEscape(node.phase)}</text>`
    : '';
  return `<g ${attrs}><title>${xmlEscape(node.name)}</title>${shape}<text x="${n(cx)}" y="${n(nameY)}" font-size="${FONT_SIZE}" text-anchor="middle" fill="#111827">${xmlEscape(nodeLabel(node))}</text>${phase}</g>`;
}

export function renderSvg(layout: GraphLayout, title: string): string {
  const nodes = [...layout.nodes].sort(
    (a, b) => a.depth - b.depth || Number(a.node.isGroup) - Number(b.node.isGroup),
  );
  const groups = nodes.filter((p) => p.node.isGroup);
  const leaves = nodes.filter((p) => !p.node.isGroup);
  const edges = layout.edges.map(
    (e) =>
      `<polyline class="edge edge-${e.kind}" points="${e.points.map((pt) => `${n(pt.x)},${n(pt.y)}`).join(' ')}" fill="none" stroke="#4b5563" stroke-width="1.3"${e.kind === 'output' ? ' stroke-dasharray="5,4"' : ''} marker-end="url(#arrow)"/>`,
  );
  const w = n(layout.width);
  const h = n(layout.height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="workflow-graph" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="${xmlEscape(title)}">`,
    `<title>${xmlEscape(title)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#4b5563"/></marker></defs>',
    `<rect width="${w}" height="${h}" fill="#ffffff"/>`,
    ...groups.map(drawNode),
    ...edges,
    ...leaves.map(drawNode),
    '</svg>',
    '',
  ].join('\n');
}
