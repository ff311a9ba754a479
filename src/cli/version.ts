// The CLI's version: the one in package.json, read at run time (two folders up from this module in
// the sources, src/cli/, and in the bundle, dist/cli/), so a release changes it in one place.
import { readFileSync } from 'node:fs';

export function conveyorVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
