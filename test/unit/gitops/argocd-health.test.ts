// The Argo CD health checks in gitops/argocd, run by a real Lua 5.1 interpreter (as Argo CD runs
// them) over the cases of their health_test.yaml, whose inputs are objects captured from the test
// cluster.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { evaluateHealth, hasLua } from './lua-health.ts';

const ROOT = new URL('../../../gitops/argocd/resource_customizations/conveyor.dev/', import.meta.url)
  .pathname;
const lua = hasLua();
const skip = lua ? false : process.env.CI ? false : 'lua5.1 is not installed (apt-get install lua5.1)';

for (const kind of ['WorkflowRun', 'Workflow']) {
  describe(`Argo CD health of a ${kind}`, { skip }, () => {
    const dir = join(ROOT, kind);
    const cases = (
      parse(readFileSync(join(dir, 'health_test.yaml'), 'utf8')) as {
        tests: { healthStatus: { status: string; message: string }; inputPath: string }[];
      }
    ).tests;
    for (const c of cases) {
      test(`${c.inputPath} is ${c.healthStatus.status}`, () => {
        const object = parse(readFileSync(join(dir, c.inputPath), 'utf8')) as unknown;
        assert.deepEqual(evaluateHealth(join(dir, 'health.lua'), object), c.healthStatus);
      });
    }
  });
}
