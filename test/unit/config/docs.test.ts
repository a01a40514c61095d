/**
 * docs/configuration.md against the directives table, both ways (style.md F6): every
 * directive of src/config/directives.ts has a row, no row names a directive the table lacks,
 * and each row's aliases, default (CONFIG GET's rendering of the table's default), CONFIG SET
 * column and **Inert.** mark agree with the table, in the table's order (so the page keeps
 * the table's grouping).
 *
 * Only the page's directive tables are read: those whose header is HEADER below. All
 * problems are collected and reported together, so one run lists everything to fix.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Config } from '../../../src/config/config.js';
import { directives } from '../../../src/config/directives.js';

const DOC = fileURLToPath(new URL('../../../../docs/configuration.md', import.meta.url));
const HEADER = '| Directive | Default | CONFIG SET | In Vellum |';
const EMPTY = '*empty*';
const INERT_MARK = '**Inert.**';

interface DocRow {
  line: number;
  name: string;
  aliases: string[];
  default: string;
  mutable: boolean;
  inert: boolean;
}

/** The rows of every directive table; malformed rows are reported in `problems`. */
function parseDoc(text: string, problems: string[]): DocRow[] {
  const lines = text.split('\n');
  const rows: DocRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== HEADER) continue;
    // Skip the header and its |---| separator; the table ends at the first non-row line.
    for (i += 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
      const row = parseRow(lines[i]!.trim(), i + 1, problems);
      if (row !== null) rows.push(row);
    }
  }
  return rows;
}

function parseRow(line: string, lineNo: number, problems: string[]): DocRow | null {
  const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split(/(?<!\\)\|/).map((c) => c.trim());
  const bad = (what: string): null => {
    problems.push(`line ${lineNo}: ${what}: ${line}`);
    return null;
  };
  if (cells.length !== 4) return bad(`expected 4 cells, found ${cells.length}`);
  const [nameCell, defaultCell, setCell, text] = cells as [string, string, string, string];
  const names = /^`([^`]+)`((?:<br>alias `[^`]+`)*)$/.exec(nameCell);
  if (names === null) return bad('the first cell must be `name`, then <br>alias `other` for each alias');
  const aliases = [...names[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  let def: string;
  if (defaultCell === EMPTY) def = '';
  else {
    const m = /^`([^`]+)`$/.exec(defaultCell);
    if (m === null) return bad(`the default must be \`value\` or ${EMPTY}`);
    def = m[1]!;
  }
  if (setCell !== 'yes' && setCell !== 'no') return bad('the CONFIG SET cell must be yes or no');
  return { line: lineNo, name: names[1]!, aliases, default: def, mutable: setCell === 'yes', inert: text.startsWith(INERT_MARK) };
}

/** Every disagreement between the page and the table, as readable lines. */
function docProblems(text: string): string[] {
  const problems: string[] = [];
  const rows = parseDoc(text, problems);
  const config = new Config();
  const byName = new Map<string, DocRow>();
  for (const row of rows) {
    if (byName.has(row.name)) problems.push(`line ${row.line}: ${row.name} is documented twice`);
    byName.set(row.name, row);
  }
  const known = new Set(directives.map((d) => d.name));
  for (const row of rows) {
    if (!known.has(row.name)) problems.push(`line ${row.line}: ${row.name} is documented but not in directives.ts`);
  }
  for (const d of directives) {
    const row = byName.get(d.name);
    if (row === undefined) {
      problems.push(`${d.name} is missing from docs/configuration.md`);
      continue;
    }
    const where = `line ${row.line}: ${d.name}`;
    const aliases = [...(d.aliases ?? [])].sort().join(', ');
    if ([...row.aliases].sort().join(', ') !== aliases) {
      problems.push(`${where}: aliases are [${row.aliases.join(', ')}], the table has [${aliases}]`);
    }
    // CONFIG GET's rendering (memory in bytes, quotes removed), not the redis.conf spelling.
    const def = config.format(d.name);
    if (row.default !== def) problems.push(`${where}: default is '${row.default}', CONFIG GET reports '${def}'`);
    if (row.mutable !== d.mutable) problems.push(`${where}: CONFIG SET says ${row.mutable ? 'yes' : 'no'}, the table says ${d.mutable ? 'yes' : 'no'}`);
    if (row.inert !== (d.inert === true)) {
      problems.push(`${where}: ${d.inert ? 'inert in the table, its text must begin with' : 'not inert in the table, its text must not begin with'} ${INERT_MARK}`);
    }
  }
  const tableOrder = directives.map((d) => d.name).filter((n) => byName.has(n));
  const docOrder = rows.map((r) => r.name).filter((n) => known.has(n));
  const firstOff = tableOrder.findIndex((n, i) => docOrder[i] !== n);
  if (firstOff >= 0) {
    problems.push(`order differs from directives.ts: the table has ${tableOrder[firstOff]} where the page has ${docOrder[firstOff]}`);
  }
  return problems;
}

const doc = readFileSync(DOC, 'utf8');

describe('docs/configuration.md', () => {
  test('documents every directive of the table and nothing else, with its default, CONFIG SET and inert mark', () => {
    const problems = docProblems(doc);
    assert.deepEqual(problems, [], 'docs/configuration.md disagrees with src/config/directives.ts:\n  ' + problems.join('\n  '));
  });

  test('the check catches a missing row, a wrong default, mutability or inert mark, an unknown directive, a wrong order', () => {
    const rowOf = (name: string) => doc.split('\n').find((l) => l.startsWith(`| \`${name}\``))!;
    const port = rowOf('port');
    const cases: [string, string, RegExp][] = [
      ['row removed', doc.replace(port + '\n', ''), /port is missing/],
      ['wrong default', doc.replace(port, port.replace('`6379`', '`6380`')), /port: default is '6380', CONFIG GET reports '6379'/],
      ['memory default in redis.conf spelling', doc.replace('`536870912`', '`512mb`'), /proto-max-bulk-len: default is '512mb'/],
      ['wrong mutability', doc.replace(port, port.replace('| no |', '| yes |')), /port: CONFIG SET says yes, the table says no/],
      ['inert mark missing', doc.replace(rowOf('maxmemory'), rowOf('maxmemory').replace(INERT_MARK, '')), /maxmemory: inert in the table/],
      ['unknown directive', doc.replace(port, port + '\n| `port-two` | `1` | no | Made up. |'), /port-two is documented but not in directives.ts/],
      ['alias dropped', doc.replace('<br>alias `hash-max-ziplist-entries`', ''), /hash-max-listpack-entries: aliases are \[\]/],
      ['rows swapped', doc.replace(port + '\n' + rowOf('unixsocket'), rowOf('unixsocket') + '\n' + port), /order differs/],
      ['malformed row', doc.replace(port, '| `port` | 6379 | no | x |'), /the default must be/],
    ];
    for (const [what, text, expected] of cases) {
      assert.notEqual(text, doc, `${what}: the doctored page must differ`);
      const problems = docProblems(text);
      assert.ok(problems.some((p) => expected.test(p)), `${what}: expected ${expected}, got:\n  ${problems.join('\n  ')}`);
    }
  });
});
