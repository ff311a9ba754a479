// Types of lanes.mjs for the TypeScript scripts that import it.
export interface Lane {
  command: string;
  args: string[];
}
export function runLanes(
  lanes: Lane[],
  options?: { env?: NodeJS.ProcessEnv; cwd?: string; label?: string },
): Promise<number>;
