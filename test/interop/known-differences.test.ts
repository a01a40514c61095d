/**
 * The list of known differences (test/known-differences.ts) checked against real Redis
 * 7.0.15: each probed item must still differ. When a probe's two observations are equal,
 * Vellum now does what Redis does and the item must go (style.md P5: the list only
 * shrinks). Items without a probe are reported as skipped, with the reason no test can show
 * them.
 */

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import { knownDifferences, PAIR_OPTIONS } from '../known-differences.js';

const render = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

describe('known differences from Redis 7.0.15', () => {
  test('each item has a section, a unique title, a reason, and exactly one of probe and notProbed', () => {
    const titles = new Set<string>();
    for (const d of knownDifferences) {
      assert.ok(!titles.has(d.title), `duplicate title: ${d.title}`);
      titles.add(d.title);
      assert.ok(d.reason.trim().length > 0, `${d.title}: no reason`);
      assert.ok((d.probe === undefined) !== (d.notProbed === undefined), `${d.title}: needs a probe or notProbed, not both`);
      if (d.notProbed !== undefined) assert.ok(d.notProbed.trim().length > 0, `${d.title}: notProbed says no why`);
    }
  });

  describe('each probed item still differs', { skip: redisSkip }, () => {
    let pair: Pair;
    before(async () => { pair = await startPair(PAIR_OPTIONS.vellum, [...PAIR_OPTIONS.redis]); });
    after(async () => { await pair.stop(); });
    beforeEach(async () => { await pair.flush(); });

    for (const d of knownDifferences) {
      const name = `${d.section}: ${d.title}`;
      if (d.probe === undefined) {
        test(name, { skip: `not probed: ${d.notProbed}` }, () => {});
        continue;
      }
      const probe = d.probe;
      test(name, async (t) => {
        const [vellum, redis] = await probe(pair);
        t.diagnostic(`Vellum: ${render(vellum)}  Redis: ${render(redis)}`);
        assert.notDeepStrictEqual(vellum, redis,
          `"${d.title}": Vellum now matches Redis 7.0.15 (both showed ${render(vellum)}). `
          + 'Delete this item from test/known-differences.ts.');
      });
    }
  });
});
