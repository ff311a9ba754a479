// Did-you-mean suggestions, shared with src/spec for keys and step names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suggest } from '../../../src/template/index.ts';
import { suggestTyped } from '../../../src/template/did-you-mean.ts';

describe('suggest', () => {
  it('suggests the closest name for a typo', () => {
    assert.equal(suggest('enviroment', ['environment', 'services']), 'environment');
    assert.equal(suggest('depend_on', ['depends_on', 'description', 'command']), 'depends_on');
    assert.equal(suggest('deploy_apii', ['deploy_api', 'deploy_web']), 'deploy_api');
  });

  it('counts swapped neighbours as one edit', () => {
    assert.equal(suggest('jion', ['join', 'json']), 'join');
    assert.equal(suggest('comamnd', ['command']), 'command');
  });

  it('prefers a difference in case only', () => {
    assert.equal(suggest('fromjson', ['fromJSON', 'fromJson', 'toJSON']), 'fromJSON');
  });

  it('suggests nothing when no candidate is close', () => {
    assert.equal(suggest('frobnicate', ['join', 'split']), undefined);
    assert.equal(suggest('a', ['b', 'ab']), undefined);
    assert.equal(suggest('x', []), undefined);
    assert.equal(suggest('', ['a']), undefined);
  });

  it('does not suggest the word itself', () => {
    assert.equal(suggest('join', ['join']), undefined);
  });

  it('allows more edits for longer words', () => {
    assert.equal(suggest('foo', ['food']), 'food');
    assert.equal(suggest('maintenence_mode', ['maintenance_mode']), 'maintenance_mode');
    assert.equal(suggest('abc', ['xyz']), undefined);
  });

  it('handles long words and many candidates', { timeout: 60_000 }, () => {
    const candidates = Array.from({ length: 5000 }, (_, i) => `step_number_${i}`);
    assert.equal(suggest('step_numbr_4242', candidates), 'step_number_4242');
    assert.equal(suggest('x'.repeat(10_000), candidates), undefined);
  });
});

describe('suggestTyped', () => {
  it('takes a word typed in part for the one candidate it starts', () => {
    assert.equal(suggestTyped('hist', ['history', 'list', 'logs']), 'history');
    assert.equal(suggestTyped('--dry', ['--dry-run', '--parallel']), '--dry-run');
  });

  it('falls back to the closest candidate when the start is shared or too short', () => {
    assert.equal(suggestTyped('--par', ['--parallel', '--parameter-file']), undefined);
    assert.equal(suggestTyped('lsit', ['list', 'logs']), 'list');
    assert.equal(suggestTyped('l', ['list']), undefined);
  });
});
