// Test PKI made with the openssl CLI: one CA signs every serving and client certificate of the test
// cluster (API server, node agent, components, users). EC P-256 keys keep generation fast.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Paths of a PEM certificate and its private key. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertificateRequest {
  /** File stem under the PKI folder. */
  name: string;
  commonName: string;
  /** Kubernetes reads groups from the O= attributes of a client certificate. */
  organizations?: readonly string[];
  dnsNames?: readonly string[];
  ips?: readonly string[];
  usage: 'server' | 'client' | 'server+client';
}

// Names end up inside an openssl config file: refuse anything that could change its meaning.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9:._@+-]*$/;

function checkName(kind: string, value: string): string {
  if (!SAFE_NAME.test(value))
    throw new Error(`unsupported ${kind} for a test certificate: ${JSON.stringify(value)}`);
  return value;
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function subjectConfig(commonName: string, organizations: readonly string[]): string {
  const orgs = organizations.map((o, i) => `${i}.O = ${checkName('group', o)}`);
  // A config of our own, so that the machine's openssl.cnf defaults cannot add or clash with extensions.
  return [
    '[req]',
    'prompt = no',
    'distinguished_name = dn',
    '[dn]',
    ...orgs,
    `CN = ${checkName('name', commonName)}`,
  ]
    .concat('')
    .join('\n');
}

/** Creates a self-signed CA in `dir` (ca.crt, ca.key). */
export async function createCertificateAuthority(
  dir: string,
  commonName = 'conveyor-test-ca',
): Promise<KeyPair> {
  const pair = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  const config = join(dir, 'ca.cnf');
  await writeFile(
    config,
    subjectConfig(commonName, []) +
      [
        '[ext]',
        'basicConstraints = critical, CA:TRUE',
        'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
      ]
        .concat('')
        .join('\n'),
  );
  await openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-days',
    '3650',
    '-config',
    config,
    '-extensions',
    'ext',
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
  ]);
  await rm(config);
  return pair;
}

/** Issues a certificate signed by `ca`, written to `<dir>/<name>.crt` and `.key`. */
export async function issueCertificate(
  dir: string,
  ca: KeyPair,
  request: CertificateRequest,
): Promise<KeyPair> {
  const name = checkName('file name', request.name);
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const config = join(dir, `${name}.cnf`);
  const csr = join(dir, `${name}.csr`);
  const usages = { server: 'serverAuth', client: 'clientAuth', 'server+client': 'serverAuth, clientAuth' };
  const altNames = [
    ...(request.dnsNames ?? []).map((d) => `DNS:${checkName('DNS name', d)}`),
    ...(request.ips ?? []).map((ip) => `IP:${checkName('IP address', ip)}`),
  ];
  const extensions = [
    '[ext]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    `extendedKeyUsage = ${usages[request.usage]}`,
    ...(altNames.length > 0 ? [`subjectAltName = ${altNames.join(', ')}`] : []),
  ];
  await writeFile(
    config,
    subjectConfig(request.commonName, request.organizations ?? []) + extensions.join('\n') + '\n',
  );
  await openssl(['req', '-new', ...EC_KEY, '-config', config, '-keyout', pair.key, '-out', csr]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    `0x${randomBytes(12).toString('hex')}`,
    '-days',
    '365',
    '-extfile',
    config,
    '-extensions',
    'ext',
    '-out',
    pair.cert,
  ]);
  await Promise.all([rm(config), rm(csr)]);
  return pair;
}

/** Creates the key pair service-account tokens are signed with (`<stem>.key`) and verified by (`.pub`). */
export async function createSigningKey(dir: string, stem: string): Promise<{ key: string; pub: string }> {
  const pair = { key: join(dir, `${stem}.key`), pub: join(dir, `${stem}.pub`) };
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', pair.key]);
  await openssl(['pkey', '-in', pair.key, '-pubout', '-out', pair.pub]);
  return pair;
}
