// Waits until a WorkflowRun satisfies `ok`, and on timeout shows the run as last seen with the tail
// of the controller's log: how every cluster suite waits for a run.
import { getObject } from '../kubectl.ts';
import type { KubectlOptions } from '../kubectl.ts';
import { pollUntil } from './wait.ts';

export function waitForRun<R>(
  name: string,
  ok: (run: R) => boolean,
  target: KubectlOptions,
  controllerLog: () => string,
  { timeoutMs = 90_000, what = '' }: { timeoutMs?: number; what?: string } = {},
): Promise<R> {
  return pollUntil(
    async () => {
      const run = await getObject<R>('workflowrun', name, target);
      return run && ok(run) ? run : undefined;
    },
    {
      what: `run ${name}${what ? ` ${what}` : ''}`,
      timeoutMs,
      intervalMs: 300,
      describe: async () =>
        `${JSON.stringify(await getObject('workflowrun', name, target), null, 2)}\n--- controller log (tail) ---\n${controllerLog().slice(-4000)}`,
    },
  );
}
