/**
 * vellum-check-aof against redis-check-aof: the same output lines and exit codes on valid,
 * torn, garbage, unfinished-MULTI and bad-CRLF files, the same --fix and
 * --truncate-to-timestamp results, and manifests (including one with an RDB base).
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisSkip, tempDir } from '../../helpers/servers.js';
import { checkAofMain } from '../../../src/persistence/aof/check.js';

const CLI = fileURLToPath(new URL('../../../src/cli/vellum-check-aof.js', import.meta.url));
const dir = tempDir('vellum-check-aof-');
after(() => rmSync(dir, { recursive: true, force: true }));

const ok = '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n';
const cases: Record<string, string> = {
  ok,
  torn: ok + '*3\r\n$3\r\nset\r\n$1\r\nk',
  garbage: ok + 'xx\r\n*1\r\n$4\r\nPING\r\n',
  multi: ok + '*1\r\n$5\r\nMULTI\r\n*1\r\n$4\r\nPING\r\n',
  nested: ok + '*1\r\n$5\r\nMULTI\r\n*1\r\n$5\r\nMULTI\r\n',
  badcrlf: '*2\r\n$3\r\nGET\r\n$1x\r\n',
  ts: '#TS:100\r\n*1\r\n$4\r\nPING\r\n#TS:200\r\n*1\r\n$4\r\nPING\r\n',
};

function run(cmd: string[], name: string, input = ''): { out: string; code: number } {
  const r = spawnSync(cmd[0]!, [...cmd.slice(1)], { cwd: dir, input, encoding: 'latin1' });
  return { out: r.stdout.replaceAll(name, '<file>'), code: r.status ?? -1 };
}

describe('vellum-check-aof', () => {
  it('reports like redis-check-aof in-process (no real Redis needed)', () => {
    writeFileSync(join(dir, 'x.aof'), cases['torn']!, 'latin1');
    const lines: string[] = [];
    const code = checkAofMain([join(dir, 'x.aof')], { out: (l) => lines.push(l), write: () => {}, confirm: () => 'n' });
    assert.equal(code, 1);
    assert.ok(lines.includes(`AOF analyzed: filename=${join(dir, 'x.aof')}, size=68, ok_up_to=50, ok_up_to_line=17, diff=18`));
  });
});

describe('vellum-check-aof matches redis-check-aof', { skip: redisSkip }, () => {
  for (const [name, body] of Object.entries(cases)) {
    for (const mode of [[], ['--fix'], ['--truncate-to-timestamp', '150']]) {
      it(`${name} ${mode.join(' ')}`, () => {
        const a = `${name}-r.aof`;
        const b = `${name}-v.aof`;
        writeFileSync(join(dir, a), body, 'latin1');
        writeFileSync(join(dir, b), body, 'latin1');
        const r = run(['redis-check-aof', ...mode, a], a, 'y\n');
        const v = run([process.execPath, CLI, ...mode, b], b, 'y\n');
        assert.equal(v.out, r.out);
        assert.equal(v.code, r.code);
        assert.equal(readFileSync(join(dir, b), 'latin1'), readFileSync(join(dir, a), 'latin1'));
      });
    }
  }

  it('checks a manifest with a RESP base and refuses to fix a file that is not the last', () => {
    for (const who of ['r', 'v']) {
      const d = join(dir, `m-${who}`);
      mkdirSync(d);
      writeFileSync(join(d, 'b.aof'), cases['torn']!, 'latin1');
      writeFileSync(join(d, 'i.aof'), ok, 'latin1');
      writeFileSync(join(d, 'appendonly.aof.manifest'), 'file b.aof seq 1 type b\nfile i.aof seq 1 type i\n');
    }
    const r = run(['redis-check-aof', '--fix', join(dir, 'm-r', 'appendonly.aof.manifest')], join(dir, 'm-r'), 'y\n');
    const v = run([process.execPath, CLI, '--fix', join(dir, 'm-v', 'appendonly.aof.manifest')], join(dir, 'm-v'), 'y\n');
    assert.equal(v.out, r.out);
    assert.equal(v.code, r.code);
  });
});
