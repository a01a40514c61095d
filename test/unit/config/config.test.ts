/**
 * Config parsing as redis-server reads its start-up configuration: files, `--name value`
 * overrides, save lines, quoting, aliases, memory units, include, and fatal errors that
 * name file, line and reason.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config, ConfigError, parseMemory } from '../../../src/config/config.js';
import { tempDir } from '../../helpers/servers.js';

function file(text: string): string {
  const path = join(tempDir('vellum-conf-'), 'redis.conf');
  writeFileSync(path, text);
  return path;
}

describe('Config.fromArgs', () => {
  test('defaults', () => {
    const c = Config.fromArgs([]);
    assert.equal(c.number('port'), 6379);
    assert.equal(c.format('save'), '3600 1 300 100 60 10000');
    assert.equal(c.format('bind'), '127.0.0.1 -::1');
    assert.equal(c.file, null);
  });

  test('a --port 7000 --save 60 1 command line', () => {
    const c = Config.fromArgs(['--port', '7000', '--save', '60', '1', '--appendonly', 'yes']);
    assert.equal(c.number('port'), 7000);
    assert.equal(c.format('save'), '60 1');
    assert.equal(c.bool('appendonly'), true);
  });

  test('a multi-argument directive given as one argument is split (--save "60 1000"), as Redis does', () => {
    assert.equal(Config.fromArgs(['--save', '60 1000']).format('save'), '60 1000');
    assert.equal(Config.fromArgs(['--bind', '127.0.0.1 ::1']).format('bind'), '127.0.0.1 ::1');
    assert.equal(Config.fromArgs(['--shutdown-on-sigterm', 'force nosave']).format('shutdown-on-sigterm'), 'nosave force');
    assert.equal(Config.fromArgs(['--save', '']).format('save'), '');
    assert.throws(() => Config.fromArgs(['--shutdown-on-sigint', 'save nosave']), /SAVE and NOSAVE can't be used simultaneously/);
  });

  test('save lines add up across file and command line; save "" clears', () => {
    const path = file('save 900 1\nsave 300 10\n');
    assert.equal(Config.fromArgs([path]).format('save'), '900 1 300 10');
    assert.equal(Config.fromArgs([path, '--save', '60', '1']).format('save'), '900 1 300 10 60 1');
    assert.equal(Config.fromArgs([path, '--save', '']).format('save'), '');
    assert.equal(Config.fromArgs([file('save ""\n')]).format('save'), '');
  });

  test('quoting, aliases, units, case', () => {
    const path = file([
      '# comment', '  ', 'requirepass "a b\\x41\\n"', "dbfilename 'it''s'".replace("''", "\\'"),
      'HASH-MAX-ZIPLIST-ENTRIES 7', 'maxmemory 2mb', 'proto-max-bulk-len 1gb', 'appendfsync ALWAYS',
      'client-query-buffer-limit 2GB', 'unixsocketperm 700', 'notify-keyspace-events KEA', '',
    ].join('\n'));
    const c = Config.fromArgs([path]);
    assert.equal(c.string('requirepass'), 'a bA\n');
    assert.equal(c.string('dbfilename'), "it's");
    assert.equal(c.number('hash-max-listpack-entries'), 7);
    assert.equal(c.number('maxmemory'), 2 * 1024 * 1024);
    assert.equal(c.number('proto-max-bulk-len'), 1024 ** 3);
    assert.equal(c.number('client-query-buffer-limit'), 2 * 1024 ** 3);
    assert.equal(c.string('appendfsync'), 'always');
    assert.equal(c.number('unixsocketperm'), 0o700);
    assert.equal(c.format('unixsocketperm'), '700');
    assert.equal(c.format('notify-keyspace-events'), 'AKE');
  });

  test('include reads another file in place', () => {
    const inner = file('maxclients 77\ntimeout 5\n');
    const c = Config.fromArgs([file(`timeout 1\ninclude ${inner}\n`), '--timeout', '9']);
    assert.equal(c.number('maxclients'), 77);
    assert.equal(c.number('timeout'), 9);
  });

  test('memory units follow Redis\'s memtoull', () => {
    assert.equal(parseMemory('1k'), 1000);
    assert.equal(parseMemory('1kb'), 1024);
    assert.equal(parseMemory('1M'), 1e6);
    assert.equal(parseMemory('1Gb'), 1024 ** 3);
    assert.equal(parseMemory('12'), 12);
    assert.ok(Number.isNaN(parseMemory('-1')));
    assert.ok(Number.isNaN(parseMemory('1x')));
  });

  const fatal: [string, string, RegExp][] = [
    ['unknown directive', 'port 1\nnosuch-directive 1\n', /at line 2\n>>> 'nosuch-directive 1'\nBad directive or wrong number of arguments/],
    ['missing argument', 'timeout\n', /at line 1\n>>> 'timeout'\nBad directive/],
    ['bad integer', 'timeout abc\n', /argument couldn't be parsed into an integer/],
    ['out of range', 'port 70000\n', /argument must be between 0 and 65535 inclusive/],
    ['bad enum', 'appendfsync sometimes\n', /must be one of the following: everysec, always, no/],
    ['bad bool', 'appendonly maybe\n', /argument must be 'yes' or 'no'/],
    ['bad save', 'save 10\n', /Invalid save parameters/],
    ['unbalanced quotes', 'requirepass "abc\n', /Unbalanced quotes/],
    ['bad memory', 'maxmemory 1x\n', /argument must be a memory value/],
  ];
  for (const [name, text, expected] of fatal) {
    test(`fatal error: ${name}`, () => {
      const path = file(text);
      assert.throws(() => Config.fromArgs([path]), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /\*\*\* FATAL CONFIG FILE ERROR/);
        assert.ok(err.message.includes(path), 'names the file');
        assert.match(err.message, expected);
        return true;
      });
    });
  }

  test('a missing file and a bad command line fail too', () => {
    assert.throws(() => Config.fromArgs(['/nonexistent/redis.conf']), /can't open config file '\/nonexistent\/redis.conf'/);
    assert.throws(() => Config.fromArgs(['--port', 'x']), /\(command line\)[\s\S]*couldn't be parsed/);
  });
});

describe('Config.setMany', () => {
  test('all or nothing, with apply hooks undone', () => {
    const c = Config.fromArgs([]);
    const applied: string[] = [];
    c.applyHook = (name, value) => {
      applied.push(`${name}=${String(value)}`);
      return name === 'dir' && value === '/nonexistent' ? 'No such file or directory' : null;
    };
    assert.equal(c.setMany([['timeout', '5'], ['maxclients', '9']]), null);
    assert.equal(c.number('timeout'), 5);
    const err = c.setMany([['timeout', '7'], ['dir', '/nonexistent']]);
    assert.match(err!, /^ERR CONFIG SET failed \(possibly related to argument 'dir'\) - No such file or directory$/);
    assert.equal(c.number('timeout'), 5);
    assert.equal(c.string('dir'), '.');
    assert.ok(applied.includes('timeout=5'), 'the old value was re-applied');
  });
});
