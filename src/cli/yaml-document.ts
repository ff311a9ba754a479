// A value printed as a YAML document (`-o yaml`). A module of our own so that commands kept light at
// start-up can load it lazily: a bundled dynamic import of the yaml package itself gives its
// CommonJS wrapper, whose namespace has no `stringify`.
import { stringify } from 'yaml';

export function yamlDocument(value: unknown): string {
  return stringify(value);
}
