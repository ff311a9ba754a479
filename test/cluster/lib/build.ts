// Finding the Go binaries of the test cluster: $CONVEYOR_CONTROLPLANE_BIN / $CONVEYOR_KWOK_BIN, or
// ../build.sh, which builds each once per machine into a cache folder keyed by its module's content.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ClusterStartError } from './errors.ts';

const execFileAsync = promisify(execFile);
const BUILD_SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'build.sh');
const OVERRIDES = { controlplane: 'CONVEYOR_CONTROLPLANE_BIN', kwok: 'CONVEYOR_KWOK_BIN' } as const;

export type BinaryName = keyof typeof OVERRIDES;

export async function binary(name: BinaryName, log: (line: string) => void = () => {}): Promise<string> {
  const variable = OVERRIDES[name];
  const override = process.env[variable];
  if (override) {
    try {
      accessSync(override, constants.X_OK);
    } catch {
      throw new ClusterStartError(`${variable}=${override} is not an executable file`);
    }
    return override;
  }
  const started = Date.now();
  try {
    const { stdout, stderr } = await execFileAsync(BUILD_SCRIPT, [name], { maxBuffer: 64 * 1024 * 1024 });
    if (stderr.trim()) log(stderr.trim());
    const seconds = (Date.now() - started) / 1000;
    if (seconds > 5) log(`${name} binary ready after ${seconds.toFixed(0)} s`);
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr || String(error);
    const tail = stderr.trim().split('\n').slice(-30).join('\n');
    throw new ClusterStartError(`building ${name} failed (${BUILD_SCRIPT} ${name}):\n${tail}`);
  }
}
