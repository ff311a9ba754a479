// Secrets never reach a log line: well-known fields, any secret-looking key at any depth, env entries
// with a secret-looking name, and credentials inside strings; context fields ride on child loggers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, withContext } from '../../../src/observability/logger.ts';
import { REDACTED, isSecretKey, maskSecrets } from '../../../src/observability/redact.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  };
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('secret masking', () => {
  it('masks values under secret-looking keys at any depth and leaves the rest alone', () => {
    const input = {
      user: 'alice',
      password: 'hunter2',
      spec: { runner: { apiKey: 'k-123', db: { connection: { clientSecret: 's3cr3t', host: 'db' } } } },
      credentials: { username: 'u', password: 'p' },
      tokens: ['t1', 't2'],
      phase: 'Running',
    };
    assert.deepEqual(maskSecrets(input), {
      user: 'alice',
      password: REDACTED,
      spec: { runner: { apiKey: REDACTED, db: { connection: { clientSecret: REDACTED, host: 'db' } } } },
      credentials: REDACTED,
      tokens: REDACTED,
      phase: 'Running',
    });
    assert.equal(input.password, 'hunter2', 'the input is not modified');
  });

  it('masks the value of an env entry whose name looks secret, and only that one', () => {
    const env = [
      { name: 'DB_PASSWORD', value: 'hunter2' },
      { name: 'AWS_SECRET_ACCESS_KEY', value: 'abc' },
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
    ];
    const masked = maskSecrets({ env });
    assert.deepEqual(masked.env.slice(0, 3), [
      { name: 'DB_PASSWORD', value: REDACTED },
      { name: 'AWS_SECRET_ACCESS_KEY', value: REDACTED },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
  });

  it('masks bearer and basic credentials inside strings', () => {
    assert.equal(
      maskSecrets('request failed: Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig'),
      `request failed: Authorization: Bearer ${REDACTED}`,
    );
  });

  it('keeps errors errors, with their fields masked, and survives cycles', () => {
    const error = Object.assign(new Error('denied'), { token: 'abc', code: 'EACCES' });
    const masked = maskSecrets({ err: error });
    assert.ok(masked.err instanceof Error);
    assert.equal(masked.err.message, 'denied');
    assert.equal((masked.err as unknown as Record<string, unknown>).token, REDACTED);
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    assert.deepEqual(maskSecrets(cyclic), { name: 'x', self: '[Circular]' });
  });

  it('recognises the usual names of secrets', () => {
    for (const name of [
      'password',
      'passwd',
      'clientSecret',
      'token',
      'apiKey',
      'private_key',
      'secretKey',
      'accessKey',
      'ssh_key',
      'signingKey',
      'credentials',
    ]) {
      assert.equal(isSecretKey(name), true, name);
    }
    for (const name of ['name', 'phase', 'namespace', 'step', 'object', 'key', 'Key', 'keys'])
      assert.equal(isSecretKey(name), false, name);
  });

  it('masks an env entry named KEY, whose name is all there is to go by', () => {
    assert.deepEqual(maskSecrets({ env: [{ name: 'KEY', value: 'v' }] }), {
      env: [{ name: 'KEY', value: REDACTED }],
    });
  });
});

describe('logger', () => {
  it('writes JSON lines with the level as a word and secrets redacted', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        headers: { authorization: 'Bearer abcdefgh', accept: 'application/json' },
        request: { token: 'tok-1' },
        config: { nested: { deeper: { password: 'pw' } } },
        env: [{ name: 'GITHUB_TOKEN', value: 'ghp_x' }],
      },
      'Calling the registry.',
    );
    const [line] = lines;
    assert.equal(line?.level, 'info');
    assert.equal(line?.msg, 'Calling the registry.');
    assert.deepEqual(line?.headers, { authorization: REDACTED, accept: 'application/json' });
    assert.deepEqual(line?.request, { token: REDACTED });
    assert.deepEqual(line?.config, { nested: { deeper: { password: REDACTED } } });
    assert.deepEqual(line?.env, [{ name: 'GITHUB_TOKEN', value: REDACTED }]);
    assert.doesNotMatch(JSON.stringify(lines), /abcdefgh|tok-1|"pw"|ghp_x/);
  });

  it('adds run, step, attempt, workflow and namespace to every line of a child logger', () => {
    const { lines, logger } = capture();
    const log = withContext(logger, {
      namespace: 'team-a',
      workflow: 'deploy',
      run: 'deploy-x7k2',
      step: 'migrate',
      attempt: 2,
    });
    log.warn({ exitCode: 1 }, 'The step failed; retrying.');
    assert.deepEqual(
      { ...lines[0], time: undefined, pid: undefined, hostname: undefined },
      {
        level: 'warn',
        time: undefined,
        pid: undefined,
        hostname: undefined,
        namespace: 'team-a',
        workflow: 'deploy',
        run: 'deploy-x7k2',
        step: 'migrate',
        attempt: 2,
        exitCode: 1,
        msg: 'The step failed; retrying.',
      },
    );
  });

  it('logs the key of a failing reconcile as it is, and the secrets beside it masked', () => {
    const { lines, logger } = capture();
    const err = Object.assign(new Error('Forbidden'), { token: 'abc123' });
    logger.warn(
      { key: 'run/team-a/deploy-1', err, apiKey: 'k-123', retryInMs: 200 },
      'reconcile failed; it will be retried',
    );
    assert.equal(lines[0]?.key, 'run/team-a/deploy-1');
    assert.equal(lines[0]?.apiKey, REDACTED);
    assert.doesNotMatch(JSON.stringify(lines), /abc123|k-123/);
  });

  it('masks secrets bound to a child logger too', () => {
    const { lines, logger } = capture();
    logger.child({ token: 'bound-secret' }).info('hello');
    assert.equal(lines[0]?.token, REDACTED);
  });

  it('serialises errors with their type and message', () => {
    const { lines, logger } = capture();
    logger.error({ err: new TypeError('bad input') }, 'Reconcile failed.');
    const err = lines[0]?.err as Record<string, unknown>;
    assert.equal(err.type, 'TypeError');
    assert.equal(err.message, 'bad input');
  });
});
