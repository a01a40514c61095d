/**
 * rename-command as the config reads it (Redis 7.0.15's config.c): each line edits the
 * command table the lines before it left, its errors are fatal and name file, line and
 * reason, and it is no directive (CONFIG GET/SET never see it, CONFIG REWRITE keeps its
 * lines). What the renamed table does to clients is test/interop/rename-command.test.ts.
 */

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config, ConfigError } from '../../../src/config/config.js';
import { commandsByName } from '../../../src/commands/index.js';
import { stringMatch } from '../../../src/util/glob.js';
import { tempDir } from '../../helpers/servers.js';

const NAMES = [...commandsByName.keys()];

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function file(text: string): string {
  const dir = tempDir('vellum-rename-');
  dirs.push(dir);
  const path = join(dir, 'redis.conf');
  writeFileSync(path, text);
  return path;
}

/** The config a server would get from these arguments. */
function load(args: string[], options = {}): Config {
  return Config.fromArgs(args, options, NAMES);
}

/** The renamed table as sorted [name, own name] pairs, leaving out commands not renamed. */
function renames(c: Config): [string, string][] {
  return [...c.renamedCommands!].filter(([name, own]) => name !== own).sort();
}

describe('rename-command', () => {
  test('no line: no renamed table at all', () => {
    assert.equal(load([]).renamedCommands, null);
    assert.equal(load([file('port 7000\n')]).renamedCommands, null);
  });

  test('renames and removals, any case, chained, from file, command line and options in that order', () => {
    const path = file('rename-command FLUSHALL ""\nrename-command config "cfg_9f2a"\nRENAME-COMMAND Get G\n');
    const c = load([path, '--rename-command', 'g', 'gg', '--rename-command', 'keys', ''], { 'rename-command': ['GG', 'Final'] });
    const table = c.renamedCommands!;
    assert.deepEqual(renames(c), [['cfg_9f2a', 'config'], ['final', 'get']]);
    for (const gone of ['flushall', 'config', 'get', 'g', 'gg', 'keys']) assert.equal(table.has(gone), false, gone);
    assert.equal(table.size, NAMES.length - 2);
    assert.equal(table.get('set'), 'set');
  });

  test('renaming a command to its own name keeps it', () => {
    assert.deepEqual(renames(load(['--rename-command', 'GET', 'get'])), []);
    assert.equal(load(['--rename-command', 'GET', 'get']).renamedCommands!.get('get'), 'get');
  });

  const fatal: [string, string, number, string][] = [
    ['an unknown command', 'port 1\nrename-command nosuch x\n', 2, 'No such command in rename-command'],
    ['a command removed by an earlier line', 'rename-command get ""\nrename-command get x\n', 2, 'No such command in rename-command'],
    ['a command renamed by an earlier line', 'rename-command get x\nrename-command get y\n', 2, 'No such command in rename-command'],
    ['a subcommand (Redis crashes on it)', 'rename-command config|get x\n', 1, 'No such command in rename-command'],
    ['a target that names a command', 'rename-command get set\n', 1, 'Target command name already exists'],
    ['a target that names a command, in another case', 'rename-command get SET\n', 1, 'Target command name already exists'],
    ['a target an earlier line gave out', 'rename-command get x\nrename-command set X\n', 2, 'Target command name already exists'],
    ['one argument', 'rename-command get\n', 1, 'Bad directive or wrong number of arguments'],
    ['three arguments', 'rename-command get a b\n', 1, 'Bad directive or wrong number of arguments'],
  ];
  for (const [name, text, line, reason] of fatal) {
    test(`fatal: ${name}`, () => {
      const path = file(text);
      assert.throws(() => load([path]), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const bad = text.split('\n')[line - 1]!;
        assert.ok(err.message.endsWith(
          `***\nReading the configuration file ${path}, at line ${line}\n>>> '${bad}'\n${reason}`), err.message);
        assert.match(err.message, /\*\*\* FATAL CONFIG FILE ERROR/);
        return true;
      });
    });
  }

  test('the first bad line is the one reported, as Redis reads line by line', () => {
    assert.throws(() => load([file('rename-command nosuch x\nport 99999\n')]), /at line 1\n[^\n]*\nNo such command/);
    assert.throws(() => load([file('port 99999\nrename-command nosuch x\n')]), /at line 1\n[^\n]*\nargument must be between/);
  });

  test('command-line and options errors name their origin', () => {
    assert.throws(() => load(['--rename-command', 'nosuch', 'y']), /\(command line\), at line 1\n>>> 'rename-command nosuch y'\nNo such command in rename-command$/);
    assert.throws(() => load([], { 'rename-command': ['get', 'set'] }), /\(options\), at line 1\n[^\n]*\nTarget command name already exists$/);
  });

  test('a config built without the command names knows no command to rename', () => {
    assert.throws(() => Config.fromArgs(['--rename-command', 'get', 'x']), /No such command in rename-command/);
  });

  test('the directives Vellum cannot honour still stop start-up', () => {
    for (const line of ['user alice on >pw ~* +@all', 'loadmodule /usr/lib/redis/modules/x.so', 'sentinel monitor m 127.0.0.1 6379 2', 'mymodule.option 1']) {
      assert.throws(() => load([file(line + '\n')]), /Bad directive or wrong number of arguments/, line);
    }
  });

  test('CONFIG GET does not report it and CONFIG SET refuses it', () => {
    const c = load(['--rename-command', 'get', 'x']);
    assert.deepEqual(c.getMatching(['rename-command', '*rename*', '*command*'], stringMatch).map(([name]) => name).sort(),
      ['enable-debug-command', 'enable-module-command']);
    assert.equal(c.setMany([['rename-command', 'get']]), "ERR Unknown option or number of arguments for CONFIG SET - 'rename-command'");
  });

  test('CONFIG REWRITE keeps the file\'s rename-command lines in place and adds none from the command line', () => {
    const text = 'port 7000\n# hardened\nrename-command FLUSHALL ""\nrename-command config "cfg_9f2a"\ntimeout 0\nrename-command get G\n';
    const path = file(text);
    const c = load([path, '--rename-command', 'keys', 'k2']);
    assert.equal(c.setMany([['timeout', '5']]), null);
    assert.equal(c.rewrite(), null);
    const lines = readFileSync(path, 'latin1').split('\n');
    assert.deepEqual(lines.slice(0, 6), ['port 7000', '# hardened', 'rename-command FLUSHALL ""', 'rename-command config "cfg_9f2a"', 'timeout 5', 'rename-command get G']);
    assert.equal(lines.filter((l) => l.includes('rename-command')).length, 3);
    // The rewritten file starts a server with the same table.
    assert.deepEqual(renames(load([path, '--rename-command', 'keys', 'k2'])), renames(c));
  });
});
