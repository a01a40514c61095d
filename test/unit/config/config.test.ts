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
    ['missing argument', 'timeout\n', /at line 1\n>>> 'timeout'\nwrong number of arguments$/],
    ['extra argument', 'timeout 1 2\n', /at line 1\n>>> 'timeout 1 2'\nwrong number of arguments$/],
    ['deprecated directive with the wrong count', 'list-max-ziplist-entries 1 2\n', /Bad directive or wrong number of arguments/],
    ['ACL users are refused, not ignored', 'user alice on >secret ~* +@all\n', /Bad directive or wrong number of arguments/],
    ['modules are refused, not ignored', 'loadmodule /usr/lib/redis/modules/x.so\n', /Bad directive or wrong number of arguments/],
    ['bad octal', 'unixsocketperm 9\n', /argument couldn't be parsed as an octal number/],
    ['octal out of range', 'unixsocketperm 1000\n', /argument must be between 0 and 777 inclusive/],
    ['leading zero (string2ll)', 'timeout 010\n', /argument couldn't be parsed into an integer/],
    ['a replica', 'replicaof 10.0.0.1 6379\n', /Vellum has no replication yet: it cannot start as a replica/],
    ['a bad primary port', 'replicaof 10.0.0.1 99999\n', /Invalid master port/],
    ['an ACL file', 'aclfile /etc/redis/users.acl\n', /Vellum has no ACL users/],
    ['bad output buffer class', 'client-output-buffer-limit master 0 0 0\n', /Invalid client class specified in buffer limit configuration\./],
    ['output buffer limit arity', 'client-output-buffer-limit normal 0 0\n', /Wrong number of arguments in buffer limit configuration\./],
    ['oom-score-adj-values range', 'oom-score-adj-values 0 200 3000\n', /elements must be between -2000 and 2000/],
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
    assert.equal(c.string('dir'), process.cwd(), 'dir is kept as an absolute path');
    assert.ok(applied.includes('timeout=5'), 'the old value was re-applied');
  });
});

describe('Redis 7.0 directives beyond Vellum\'s own', () => {
  test('deprecated directives are ignored, as Redis does', () => {
    const c = Config.fromArgs([file('list-max-ziplist-entries 5\nlist-max-ziplist-value 6\nlua-replicate-commands yes\ntimeout 3\n')]);
    assert.equal(c.number('timeout'), 3);
  });

  test('client-output-buffer-limit lines change only the classes they name, so they add up', () => {
    const c = Config.fromArgs([file([
      'client-output-buffer-limit normal 0 0 0',
      'client-output-buffer-limit replica 256mb 64mb 60',
      'client-output-buffer-limit pubsub 32mb 8mb 60',
      'client-output-buffer-limit Normal 1kb 2k 3',
    ].join('\n'))]);
    assert.equal(c.format('client-output-buffer-limit'), 'normal 1024 2000 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    assert.equal(c.setMany([['client-output-buffer-limit', 'slave 1 2 3 pubsub 4 5 6']]), null);
    assert.equal(c.format('client-output-buffer-limit'), 'normal 1024 2000 3 slave 1 2 3 pubsub 4 5 6');
    assert.match(c.setMany([['client-output-buffer-limit', 'normal 1x 2 3']])!, /Error in hard, soft or soft_seconds setting/);
    // All groups are checked before any is kept.
    assert.match(c.setMany([['client-output-buffer-limit', 'normal 9 9 9 master 1 1 1']])!, /Invalid client class/);
    assert.equal(c.format('client-output-buffer-limit'), 'normal 1024 2000 3 slave 1 2 3 pubsub 4 5 6');
  });

  test('hz is kept within 1..500, as Redis\'s updateHZ does', () => {
    assert.equal(Config.fromArgs(['--hz', '1000']).number('hz'), 500);
    assert.equal(Config.fromArgs(['--hz', '0']).number('hz'), 1);
    const c = Config.fromArgs([]);
    assert.equal(c.setMany([['hz', '100000']]), null);
    assert.equal(c.format('hz'), '500');
    assert.match(c.setMany([['hz', '-1']])!, /argument must be between 0 and 2147483647 inclusive/);
  });

  test('dir is absolute: relative to the working directory, then to the previous dir line', () => {
    const base = tempDir('vellum-dir-');
    assert.equal(Config.fromArgs(['--dir', base]).string('dir'), base);
    assert.equal(Config.fromArgs([]).string('dir'), process.cwd());
    assert.equal(Config.fromArgs([file(`dir ${base}\ndir sub\n`)]).string('dir'), join(base, 'sub'));
    const c = Config.fromArgs(['--dir', base]);
    assert.equal(c.setMany([['dir', '..']]), null);
    assert.equal(c.string('dir'), join(base, '..').replace(/\/$/, ''));
  });

  test('special values: replicaof no one, percentages, percentiles, enum synonyms, memory with no digits', () => {
    const c = Config.fromArgs([file('replicaof no one\nmaxmemory-clients 10%\nlatency-tracking-info-percentiles 1.5 2e1 100\noom-score-adj relative\n')]);
    assert.equal(c.format('replicaof'), '');
    assert.equal(c.format('maxmemory-clients'), '10%');
    assert.equal(c.format('latency-tracking-info-percentiles'), '1.5 20 100');
    assert.equal(c.format('oom-score-adj'), 'yes');
    assert.match(c.setMany([['maxmemory-clients', '101%']])!, /percentage argument must be less or equal to 100$/);
    assert.match(c.setMany([['maxmemory-clients', '-5']])!, /argument must be a memory or percent value$/);
    assert.equal(c.setMany([['maxmemory', '']]), null);
    assert.equal(c.number('maxmemory'), 0);
    assert.equal(c.setMany([['latency-tracking-info-percentiles', '']]), null);
    assert.equal(c.format('latency-tracking-info-percentiles'), '');
    assert.match(c.setMany([['latency-tracking-info-percentiles', '101']])!, /should sit between \[0\.0,100\.0\]$/);
  });

  test('CONFIG SET checks every name before any value, and refuses protected ones unless allowed', () => {
    const c = Config.fromArgs([]);
    assert.equal(c.setMany([['maxclients', 'abc'], ['nosuch', '1']]), "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    assert.equal(c.setMany([['MAXCLIENTS', 'abc']]),
      "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer");
    assert.equal(c.setMany([['DATABASES', '3']]), "ERR CONFIG SET failed (possibly related to argument 'DATABASES') - can't set immutable config");
    for (const name of ['dir', 'DBFILENAME']) {
      assert.equal(c.setMany([['timeout', '1'], [name, 'x']], false),
        `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set protected config`);
    }
    assert.equal(c.number('timeout'), 0);
    assert.equal(c.setMany([['dbfilename', 'x.rdb']], true), null);
  });

  test('hidden directives answer only by exact name', () => {
    const c = Config.fromArgs([]);
    const match = (p: string, s: string) => p === '*' || p === s;
    const all = c.getMatching(['*'], match).map(([n]) => n);
    assert.ok(!all.includes('rdb-key-save-delay'));
    assert.ok(all.includes('slave-priority') && all.includes('tls-port') && all.includes('client-output-buffer-limit'));
    assert.deepEqual(c.getMatching(['rdb-key-save-delay'], match), [['rdb-key-save-delay', '0']]);
  });

  test('the start-up warning names only inert directives set to something else than their default', () => {
    const c = Config.fromArgs([file('daemonize yes\nreplica-serve-stale-data yes\ncluster-enabled yes\ntimeout 5\n')]);
    assert.deepEqual(c.inertChanged(), ['daemonize', 'cluster-enabled']);
  });

  test('CONFIG REWRITE writes the multi-argument directives so that they load back', () => {
    const path = file('client-output-buffer-limit normal 0 0 0\nbind 127.0.0.1\n');
    const c = Config.fromArgs([path]);
    assert.equal(c.setMany([
      ['client-output-buffer-limit', 'pubsub 1 2 3'], ['oom-score-adj-values', '1 2 3'], ['latency-tracking-info-percentiles', ''],
      ['maxmemory-clients', '5%'], ['hz', '900'],
    ]), null);
    assert.equal(c.rewrite(), null);
    const again = Config.fromArgs([path]);
    for (const name of ['client-output-buffer-limit', 'oom-score-adj-values', 'latency-tracking-info-percentiles', 'maxmemory-clients', 'hz', 'bind', 'dir', 'replicaof']) {
      assert.equal(again.format(name), c.format(name), name);
    }
  });
});
