/**
 * The command table against real Redis 7.0's COMMAND INFO (style.md R6, F6): for every
 * command and subcommand in our table, name, arity, flags, first/last/step key positions
 * and ACL categories must equal Redis's; and every subcommand Redis has under a container
 * we implement must be in our table or in the list of known omissions below. All
 * mismatches are reported at once, so one run shows the whole gap.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { redisSkip, startRedis, type RunningServer } from '../helpers/servers.js';
import { Status, type Reply } from '../helpers/resp-client.js';
import type { RespClient } from '../helpers/resp-client.js';
import { allCommands } from '../../src/commands/index.js';
import { aclCategories, flagNames, type CommandSpec } from '../../src/commands/spec.js';

/** Subcommands deliberately absent, each with its reason. */
const OMITTED = new Map<string, string>([
  ['client|tracking', 'client-side caching is not implemented'],
  ['client|trackinginfo', 'client-side caching is not implemented'],
  ['client|caching', 'client-side caching is not implemented'],
  ['client|pause', 'CLIENT PAUSE is not implemented'],
  ['client|unpause', 'CLIENT PAUSE is not implemented'],
]);

interface Info {
  name: string;
  arity: number;
  flags: string[];
  keys: [number, number, number];
  acl: string[];
  subs: Info[];
}

function parseInfo(r: Reply): Info {
  const a = r as Reply[];
  const statuses = (x: Reply) => (x as Status[]).map((s) => s.value);
  return {
    name: a[0] as string,
    arity: a[1] as number,
    flags: statuses(a[2]!),
    keys: [a[3] as number, a[4] as number, a[5] as number],
    acl: statuses(a[6]!),
    subs: (a[9] as Reply[]).map(parseInfo),
  };
}

function ours(spec: CommandSpec, fullName: string): Info {
  return {
    name: fullName, arity: spec.arity, flags: flagNames(spec), keys: [...spec.keys],
    acl: aclCategories(spec), subs: [],
  };
}

describe('command table matches Redis 7.0 COMMAND INFO', { skip: redisSkip }, () => {
  let redis: RunningServer;
  let client: RespClient;
  before(async () => {
    redis = await startRedis();
    client = await redis.client();
  });
  after(async () => { await redis.stop(); });

  test('name, arity, flags, key positions and ACL categories, both ways', async () => {
    const mismatches: string[] = [];
    const compare = (spec: CommandSpec, fullName: string, theirs: Info | undefined) => {
      if (theirs === undefined) {
        mismatches.push(`${fullName}: not a Redis 7.0 command`);
        return;
      }
      const mine = ours(spec, fullName);
      for (const key of ['arity', 'flags', 'keys', 'acl'] as const) {
        if (JSON.stringify(mine[key]) !== JSON.stringify(theirs[key])) {
          mismatches.push(`${fullName} ${key}: ours ${JSON.stringify(mine[key])}, Redis ${JSON.stringify(theirs[key])}`);
        }
      }
    };
    const seen = new Set<string>();
    for (const spec of allCommands) {
      if (seen.has(spec.name)) mismatches.push(`${spec.name}: defined twice`);
      seen.add(spec.name);
      const reply = ((await client.call('COMMAND', 'INFO', spec.name)) as Reply[])[0]!;
      const theirs = reply === null ? undefined : parseInfo(reply);
      compare(spec, spec.name, theirs);
      if (theirs === undefined) continue;
      const subs = spec.subcommands ?? [];
      for (const sub of subs) compare(sub, `${spec.name}|${sub.name}`, theirs.subs.find((s) => s.name === `${spec.name}|${sub.name}`));
      for (const s of theirs.subs) {
        if (!subs.some((sub) => `${spec.name}|${sub.name}` === s.name) && !OMITTED.has(s.name)) {
          mismatches.push(`${s.name}: Redis has it, our table does not`);
        }
      }
    }
    assert.deepStrictEqual(mismatches, [], `${mismatches.length} mismatches:\n${mismatches.join('\n')}`);
  });
});
