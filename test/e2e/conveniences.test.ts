// The conveniences users of argo, gh and make reach for, as users call them: help for one command,
// did-you-mean for mistyped commands and options, --parameter-file, history filters, get RUN
// (shell completion: completion.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, BREAKS_WORKFLOW, conveyor, GREET_WORKFLOW, tempDir } from './cli-harness.ts';

function project(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'greet.yaml'), GREET_WORKFLOW);
  writeFileSync(join(dir, 'breaks.yaml'), BREAKS_WORKFLOW);
  return dir;
}

describe('help', () => {
  test('every command conveyor help lists has help with examples, the same through help COMMAND and COMMAND --help', async () => {
    const listing = await conveyor(['help']);
    assert.equal(listing.code, 0, listing.stderr);
    const commands = [...listing.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1] as string);
    assert.ok(commands.length >= 20, listing.stdout);
    const missing: string[] = [];
    for (const command of commands) {
      const [viaHelp, viaFlag] = await Promise.all([
        conveyor(['help', command]),
        conveyor([command, '--help']),
      ]);
      assert.equal(viaHelp.code, 0, `${command}: ${viaHelp.stderr}`);
      assert.equal(viaFlag.code, 0, `${command}: ${viaFlag.stderr}`);
      assert.equal(viaHelp.stdout, viaFlag.stdout, command);
      assert.match(viaHelp.stdout, new RegExp(`^Usage:\\s+conveyor ${command}\\b`), command);
      if (!new RegExp(`\\nExamples:\\n( {2}.*\\n)*? {2}conveyor ${command}\\b`).test(`${viaHelp.stdout}\n`))
        missing.push(command);
    }
    assert.deepEqual(
      missing,
      [],
      'commands whose help has no Examples: section with a conveyor COMMAND line',
    );
  });

  test('the run help lists --parameter-file and shows examples', async () => {
    const r = await conveyor(['help', 'run']);
    assert.match(r.stdout, /--parameter-file FILE/);
    assert.match(r.stdout, /Examples:\n {2}conveyor run /);
  });
});

describe('did you mean', () => {
  test('a mistyped command is a usage error that names the likely command', async () => {
    const r = await conveyor(['histroy']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'histroy' \(did you mean 'history'\?\)/);
  });

  test('conveyor help with a mistyped command suggests it too', async () => {
    const r = await conveyor(['help', 'valdate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /did you mean 'validate'\?/);
  });

  test('a mistyped option names the likely option', async () => {
    const r = await conveyor(['run', 'x.yaml', '--paralel', '3']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--paralel' \(did you mean '--parallel'\?\)/);
  });

  test('a command typed in part suggests the one command it starts', async () => {
    const r = await conveyor(['hist']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'hist' \(did you mean 'history'\?\)/);
  });

  test('a mistyped global option names the likely option, not a command', async () => {
    for (const [typed, meant] of [
      ['--verison', '--version'],
      ['--no-colour', '--no-color'],
      ['--hlep', '--help'],
    ]) {
      const r = await conveyor([typed as string, 'history']);
      assert.equal(r.code, 2, typed);
      assert.match(r.stderr, new RegExp(`unknown option '${typed}' \\(did you mean '${meant}'\\?\\)`), typed);
    }
  });

  test('a mistyped step of a run names the likely step', async () => {
    const dir = project();
    const state = join(dir, 'state');
    assert.equal(
      (await conveyor(['run', 'greet.yaml', '--state-dir', state, '--run-id', 'g'], { cwd: dir })).code,
      0,
    );
    const logs = await conveyor(['logs', 'g', 'sya', '--state-dir', state], { cwd: dir });
    assert.equal(logs.code, 2);
    assert.match(logs.stderr, /run g has no step 'sya' \(did you mean 'say'\?\)/);
  });

  test('an option far from every known one gets no guess', async () => {
    const r = await conveyor(['validate', '--zzzzzzzz', 'x.yaml']);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, /did you mean/);
  });
});

describe('--parameter-file', () => {
  test('parameters come from a YAML file, typed as written', async () => {
    const dir = project();
    writeFileSync(join(dir, 'params.yaml'), 'greeting: hello\ncount: 3\n');
    const r = await conveyor(['run', 'greet.yaml', '--dry-run', '--parameter-file', 'params.yaml'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /say: echo hello 3/);
  });

  test('a JSON file works too, and --set wins over the file', async () => {
    const dir = project();
    writeFileSync(join(dir, 'params.json'), '{"greeting": "bonjour", "count": 2}');
    const r = await conveyor(
      ['run', 'greet.yaml', '--dry-run', '--parameter-file', 'params.json', '--set', 'count=7'],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /say: echo bonjour 7/);
  });

  test('several files merge in order, the later one winning, and - reads standard input', async () => {
    const dir = project();
    writeFileSync(join(dir, 'a.yaml'), 'greeting: hello\ncount: 2\n');
    writeFileSync(join(dir, 'b.json'), '{"count": 5}');
    const both = await conveyor(
      ['run', 'greet.yaml', '--dry-run', '--parameter-file', 'a.yaml', '--parameter-file', 'b.json'],
      { cwd: dir },
    );
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, /say: echo hello 5/);
    const piped = spawnSync(
      process.execPath,
      [BIN, 'run', 'greet.yaml', '--dry-run', '--parameter-file', '-'],
      {
        cwd: dir,
        input: 'greeting: piped\n',
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', CI: 'true' },
      },
    );
    assert.equal(piped.status, 0, piped.stderr);
    assert.match(piped.stdout, /say: echo piped 1/);
  });

  test('validate --explain takes it as run does', async () => {
    const dir = project();
    writeFileSync(join(dir, 'params.yaml'), 'greeting: salut\n');
    const r = await conveyor(['validate', '--explain', 'greet.yaml', '--parameter-file', 'params.yaml'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /echo salut 1/);
  });

  test('a missing file or one that is not a mapping is a usage error', async () => {
    const dir = project();
    const missing = await conveyor(['run', 'greet.yaml', '--parameter-file', 'nope.yaml'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--parameter-file nope\.yaml: cannot read it \(ENOENT\)/);
    writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
    const list = await conveyor(['run', 'greet.yaml', '--parameter-file', 'list.yaml'], { cwd: dir });
    assert.equal(list.code, 2);
    assert.match(list.stderr, /expected a mapping of parameter names to values/);
  });
});

describe('history filters and get', () => {
  test('history --status and --since pick runs by phase and start time; get RUN shows one run', async () => {
    const dir = project();
    const state = join(dir, 'state');
    const ok = await conveyor(['run', 'greet.yaml', '--state-dir', state, '--output', 'json'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await conveyor(['run', 'breaks.yaml', '--state-dir', state, '--output', 'json'], {
      cwd: dir,
    });
    assert.equal(bad.code, 1, bad.stderr);
    const failedId = (JSON.parse(bad.stdout) as { run_id: string }).run_id;
    const okId = (JSON.parse(ok.stdout) as { run_id: string }).run_id;

    const ids = async (args: string[]): Promise<string[]> => {
      const r = await conveyor(['history', '--state-dir', state, '-o', 'json', ...args], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { runs: { run_id: string }[] }).runs.map((x) => x.run_id);
    };
    assert.deepEqual(await ids(['--status', 'failed']), [failedId]);
    assert.deepEqual(await ids(['--status', 'Succeeded,failed']), [failedId, okId]);
    assert.deepEqual(await ids(['--since', '1h']), [failedId, okId]);
    assert.deepEqual(await ids(['--since', '2999-01-01']), []);
    const listed = await conveyor(['history', '--state-dir', state, '-o', 'yaml', '--status', 'failed'], {
      cwd: dir,
    });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^runs:\\n {2}- run_id: ${failedId}\\n`));
    const typo = await conveyor(['history', '--state-dir', state, '--status', 'faild'], { cwd: dir });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown phase 'faild' \(did you mean 'Failed'\?\)/);

    const text = await conveyor(['get', failedId, '--state-dir', state], { cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Phase: +Failed/);
    assert.match(text.stdout, /STEP +PHASE +ATTEMPTS +DURATION +EXIT +REASON/);
    assert.match(text.stdout, /first +Succeeded +1 +\S+ +0/);
    assert.match(text.stdout, /second +Failed +1 +\S+ +3/);

    const json = await conveyor(['get', 'latest', '--state-dir', state, '-o', 'json'], { cwd: dir });
    const doc = JSON.parse(json.stdout) as { run_id: string; steps: Record<string, { exit_code: number }> };
    assert.equal(doc.run_id, failedId);
    assert.equal(doc.steps.second?.exit_code, 3);

    const yaml = await conveyor(['get', okId, '--state-dir', state, '-o', 'yaml'], { cwd: dir });
    assert.match(yaml.stdout, new RegExp(`^run_id: ${okId}\\n`));
    assert.match(yaml.stdout, /say:\n {4}phase: Succeeded/);

    const missing = await conveyor(['get', 'no-such-run', '--state-dir', state], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no run no-such-run/);
  });

  test('history says which filters left no run, and names the likely workflow for a mistyped one', async () => {
    const dir = project();
    const state = join(dir, 'state');
    const none = await conveyor(['history', '--state-dir', state], { cwd: dir });
    assert.equal(none.stdout, 'No runs yet.\n');
    assert.equal((await conveyor(['run', 'greet.yaml', '--state-dir', state], { cwd: dir })).code, 0);
    const typo = await conveyor(['history', '--state-dir', state, '--workflow', 'gret'], { cwd: dir });
    assert.equal(typo.code, 0, typo.stderr);
    assert.equal(typo.stdout, "No runs match --workflow gret (did you mean 'greet'?).\n");
    const filtered = await conveyor(
      ['history', '--state-dir', state, '--status', 'failed', '--since', '1h'],
      {
        cwd: dir,
      },
    );
    assert.equal(filtered.stdout, 'No runs match --status failed --since 1h.\n');
  });

  test('every command that takes a local RUN accepts latest, and a mistyped id gets a did-you-mean', async () => {
    const dir = project();
    const state = join(dir, 'state');
    const ran = await conveyor(['run', 'greet.yaml', '--state-dir', state, '-o', 'json'], { cwd: dir });
    assert.equal(ran.code, 0, ran.stderr);
    const id = (JSON.parse(ran.stdout) as { run_id: string }).run_id;
    const logs = await conveyor(['logs', 'latest', 'say', '--state-dir', state], { cwd: dir });
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /hi 1/);
    const typo = `${id.slice(0, -1)}${id.endsWith('x') ? 'y' : 'x'}`;
    for (const command of [['logs'], ['resume'], ['rollback'], ['retry'], ['stop'], ['approve']]) {
      const args = [...command, typo, ...(command[0] === 'approve' ? ['say'] : [])];
      const r = await conveyor([...args, '--state-dir', state], { cwd: dir });
      assert.equal(r.code, 2, `${command[0]}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`(did you mean '${id}'?)`), `${command[0]}: ${r.stderr}`);
    }
  });
});
