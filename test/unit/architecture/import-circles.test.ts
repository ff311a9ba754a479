// The layers hold: files that import each other in a circle cannot be understood, tested or changed
// one at a time. The engine has no circle at all; elsewhere in src/ two files may lean on each other
// but no circle spans more. Lazy `import('…')` is the CLI's way for a command to run other commands
// (completion, the UI's actions) without loading every command up front, so it counts only for the
// engine, where nothing is lazy.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { importCircles, importGraph } from './import-graph.ts';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

function describeCircles(circles: readonly string[][]): string {
  return circles.map((c) => `${c.length} files: ${c.join(', ')}`).join('\n');
}

describe('import circles', () => {
  it('finds the circles it is there to catch', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', ['e.ts']],
      ['e.ts', ['d.ts']],
      ['f.ts', []],
    ]);
    assert.deepEqual(importCircles(graph), [
      ['a.ts', 'b.ts', 'c.ts'],
      ['d.ts', 'e.ts'],
    ]);
  });

  it("reads the engine's imports, so a circle there would show", () => {
    const graph = importGraph(SRC, { lazy: true });
    assert.ok((graph.get('engine/decide.ts') ?? []).includes('engine/activities.ts'));
    assert.ok((graph.get('engine/attempt-reports.ts') ?? []).includes('engine/attempts.ts'));
  });

  it('has no import circle in src/engine', () => {
    const circles = importCircles(importGraph(SRC, { lazy: true })).filter((c) =>
      c.some((file) => file.startsWith('engine/')),
    );
    assert.equal(circles.length, 0, `the engine imports in circles:\n${describeCircles(circles)}`);
  });

  it('has no import circle of more than two files anywhere in src/', () => {
    const circles = importCircles(importGraph(SRC, { lazy: false })).filter((c) => c.length > 2);
    assert.equal(circles.length, 0, `import circles of more than two files:\n${describeCircles(circles)}`);
  });
});
