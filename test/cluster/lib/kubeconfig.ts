// Kubeconfig files for the test cluster, with certificates embedded so each file stands alone.
import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigUser {
  /** Client certificate authentication (our own cluster). */
  cert?: string;
  key?: string;
  /** Impersonation on top of the base credentials (any cluster where the admin may impersonate). */
  as?: string;
  asGroups?: readonly string[];
}

async function base64File(path: string): Promise<string> {
  return (await readFile(path)).toString('base64');
}

/** Writes a single-context kubeconfig for `server` trusting `caCert`. */
export async function writeKubeconfig(
  path: string,
  options: { server: string; caCert: string; userName: string; user: KubeconfigUser; namespace?: string },
): Promise<string> {
  const user: Record<string, unknown> = {};
  if (options.user.cert && options.user.key) {
    user['client-certificate-data'] = await base64File(options.user.cert);
    user['client-key-data'] = await base64File(options.user.key);
  }
  if (options.user.as) user.as = options.user.as;
  if (options.user.asGroups?.length) user['as-groups'] = [...options.user.asGroups];
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'conveyor-test',
        cluster: { server: options.server, 'certificate-authority-data': await base64File(options.caCert) },
      },
    ],
    users: [{ name: options.userName, user }],
    contexts: [
      {
        name: options.userName,
        context: {
          cluster: 'conveyor-test',
          user: options.userName,
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    'current-context': options.userName,
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
  return path;
}
