/**
 * A server's configuration: the typed values of the directives in directives.ts, read once
 * at start-up from a redis.conf file, `--name value` overrides and embedder options, then
 * changed only through CONFIG SET, which validates every pair before it applies any
 * (Redis 7.0's multi-parameter CONFIG SET is all or nothing).
 *
 * Errors at start-up are reported like Redis's "FATAL CONFIG FILE ERROR", plus the file name;
 * errors from CONFIG SET use Redis 7.0's wording.
 *
 * `rename-command` is no directive (CONFIG GET/SET never see it; CONFIG REWRITE keeps its
 * lines as they are): as in Redis's config.c, each line edits the command table at once,
 * so a later line sees what earlier ones left (`rename-command GET ""` then `GET x` fails).
 * The config cannot import that table (commands sit above config), so the caller passes
 * the commands' names (startServer does) and the result is one map per Config, read once
 * by the server's dispatcher to build its own table: no process-wide state.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { splitArgs } from '../util/split-args.js';
import { realIo, writeFileAtomic } from '../persistence/io.js';
import { parseDouble, parseLongLong } from '../util/numbers.js';
import {
  type Directive, LONG_MAX, SHUTDOWN_FLAGS, ULLONG_MAX, deprecatedDirectives, directives, directivesByName,
} from './directives.js';
import { formatKeyspaceEvents, parseKeyspaceEvents } from './keyspace-events.js';

export interface SavePoint {
  seconds: number;
  changes: number;
}

export interface BindAddress {
  host: string;
  /** A '-' prefix: skip the address if it cannot be bound. */
  optional: boolean;
}

/** One class of client-output-buffer-limit; Redis names the replica class "slave". */
export interface OutputBufferLimit {
  class: 'normal' | 'slave' | 'pubsub';
  hard: number;
  soft: number;
  seconds: number;
}

export type ConfigValue =
  | boolean | number | string | readonly SavePoint[] | readonly BindAddress[] | readonly OutputBufferLimit[] | readonly number[];

/** Options an embedder passes to startServer: directive names, JS-typed or as in redis.conf. */
export type ConfigOptions = Record<string, string | number | boolean | readonly string[] | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const VERSION = '0.1.0';
/**
 * The Redis version Vellum answers as (HELLO, INFO redis_version). Clients gate features on
 * it (Redisson, redis-py's version checks), and Vellum implements Redis 7.0's behaviour.
 */
export const REDIS_VERSION = '7.0.15';

/** Called after CONFIG SET changed a value; returns an error text to undo the change. */
export type ApplyHook = (name: string, value: ConfigValue) => string | null;

export class Config {
  private readonly values = new Map<string, ConfigValue>();
  /** The config file's absolute path, or null (CONFIG REWRITE needs one). */
  file: string | null = null;
  applyHook: ApplyHook | null = null;
  /** A save line was read at start-up: later ones add save points. */
  private saveLoaded = false;
  /** See renamedCommands. */
  private renamed: Map<string, string> | null = null;

  /**
   * `commandNames`: every top-level command's own name, the table rename-command edits.
   * Without it, any rename-command line fails as naming no command.
   */
  constructor(private readonly commandNames: readonly string[] = []) {
    for (const d of directives) this.values.set(d.name, defaultValue(d));
  }

  /**
   * Build a config from command-line style arguments: an optional config file path first,
   * then `--name value...` pairs, as redis-server takes them; `commandNames` as for the
   * constructor. Throws ConfigError.
   */
  static fromArgs(args: readonly string[], options: ConfigOptions = {}, commandNames: readonly string[] = []): Config {
    const config = new Config(commandNames);
    let i = 0;
    if (args.length > 0 && !args[0]!.startsWith('--')) {
      const path = args[0]!;
      config.file = path;
      config.loadText(readConfigFile(path), path);
      i = 1;
    }
    let overrides = '';
    for (; i < args.length; i++) {
      const a = args[i]!;
      if (a.startsWith('--')) overrides += (overrides === '' ? '' : '\n') + a.slice(2);
      else overrides += ' ' + quote(a);
    }
    if (overrides !== '') config.loadText(overrides, '(command line)');
    config.loadOptions(options);
    // Redis chdir()s to `dir` and CONFIG GET reports getcwd(); Vellum keeps the absolute path.
    config.values.set('dir', resolve(config.string('dir')));
    return config;
  }

  /** Options from an embedder: { port: 0, appendonly: true, save: '' } etc. */
  loadOptions(options: ConfigOptions): void {
    let text = '';
    for (const [name, value] of Object.entries(options)) {
      if (value === undefined) continue;
      const words = Array.isArray(value) ? value : [typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value)];
      text += name + ' ' + words.map((w) => quote(String(w))).join(' ') + '\n';
    }
    if (text !== '') this.loadText(text, '(options)');
  }

  /** Apply redis.conf text; `origin` names it in errors. Throws ConfigError. */
  loadText(text: string, origin: string): void {
    const lines = text.split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const fail = (reason: string): never => {
        throw new ConfigError(
          `\n*** FATAL CONFIG FILE ERROR (Vellum ${VERSION}) ***\n` +
            `Reading the configuration file ${origin}, at line ${n + 1}\n>>> '${line}'\n${reason}`,
        );
      };
      const argv = splitArgs(line);
      if (argv === null) fail('Unbalanced quotes in configuration line');
      if (argv!.length === 0) continue;
      const name = argv![0]!.toLowerCase();
      if (name === 'include' && argv!.length === 2) {
        this.loadText(readConfigFile(argv![1]!), argv![1]!);
        continue;
      }
      if (name === 'rename-command' && argv!.length === 3) {
        const err = this.renameCommand(argv![1]!, argv![2]!);
        if (err !== null) fail(err);
        continue;
      }
      if (deprecatedDirectives.get(name) === argv!.length - 1) continue;
      const d = directivesByName.get(name);
      if (d === undefined) fail('Bad directive or wrong number of arguments');
      let args = argv!.slice(1);
      if (!isMultiArg(d!) && args.length !== 1) fail('wrong number of arguments');
      // Redis's MULTI_ARG_CONFIG rule: one non-empty argument is split again, so that
      // `--save "60 1000"` and `save "60 1000"` mean `save 60 1000`.
      if (isMultiArg(d!) && args.length === 1 && args[0] !== '') args = splitArgs(args[0]!) ?? args;
      // As in Redis, save lines add up across the whole start-up configuration (file, then
      // command line); the first one replaces the default, and `save ""` clears them.
      if (d!.type === 'save' && this.saveLoaded && args.join(' ') !== '') {
        args = [...formatValue(d!, this.values.get(d!.name)!).split(' ').filter((w) => w !== ''), ...args];
      }
      if (d!.type === 'save') this.saveLoaded = true;
      const v = this.parse(d!, args);
      if (typeof v === 'object' && v !== null && 'error' in v) fail(v.error);
      this.values.set(d!.name, v as ConfigValue);
    }
  }

  /**
   * One rename-command line, as Redis's config.c applies it: `from` (any case) must name a
   * command the table has now, which leaves it; unless `to` is "" (removal) the command
   * comes back under `to`, which must be free. A "container|sub" name is no command here;
   * Redis finds the subcommand and then fails an assertion. Returns the error, or null.
   */
  private renameCommand(from: string, to: string): string | null {
    this.renamed ??= new Map(this.commandNames.map((n) => [n, n]));
    const table = this.renamed;
    const original = table.get(from.toLowerCase());
    if (original === undefined) return 'No such command in rename-command';
    table.delete(from.toLowerCase());
    if (to === '') return null;
    if (table.has(to.toLowerCase())) return 'Target command name already exists';
    table.set(to.toLowerCase(), original);
    return null;
  }

  /**
   * The command table as rename-command lines left it: each name a command answers to
   * (lower case) → the command's own name. null when there was no such line: the server
   * then uses its table as built, at no cost.
   */
  get renamedCommands(): ReadonlyMap<string, string> | null {
    return this.renamed;
  }

  /**
   * A directive's new value from its arguments, or the error: bounds, clamping, the
   * unsupported check, and what depends on the current value (a relative `dir` resolves
   * against the current one, as Redis's chdir does; output buffer limits change only the
   * classes named).
   */
  private parse(d: Directive, args: readonly string[]): Parsed {
    const v = parseValue(d, args, this.values.get(d.name)!);
    if (typeof v === 'object' && v !== null && 'error' in v) return v;
    if (d.unsupported !== undefined && formatValue(d, v) !== formatValue(d, defaultValue(d))) return { error: d.unsupported };
    if (d.name === 'dir') return resolve(this.string('dir'), v as string);
    return v;
  }

  /**
   * Inert directives whose value is not the default: where Vellum does not do what the
   * configuration asks (the start-up log names them). One set to its default asks for
   * nothing beyond Redis's default behaviour, so it gets no warning: Debian's redis.conf
   * sets dozens that way.
   */
  inertChanged(): string[] {
    return directives.filter((d) => d.inert && formatValue(d, this.get(d.name)) !== formatValue(d, defaultValue(d))).map((d) => d.name);
  }

  get(name: string): ConfigValue {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`unknown directive ${name}`);
    return v;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  number(name: string): number {
    return this.get(name) as number;
  }

  string(name: string): string {
    return this.get(name) as string;
  }

  /** CONFIG GET's rendering of a directive's current value. */
  format(name: string): string {
    const d = directivesByName.get(name)!;
    return formatValue(d, this.get(d.name));
  }

  /**
   * CONFIG GET: name/value pairs for every directive (or alias) matching any pattern, each
   * once. As in Redis 7.0, a pattern without glob characters is a case-insensitive lookup
   * that answers with the name as the client spelled it; a glob matches without case.
   */
  getMatching(patterns: readonly string[], match: (pattern: string, s: string, nocase: boolean) => boolean): [string, string][] {
    // Keyed by lower-case name: a name asked for twice, in any case, answers once.
    const out = new Map<string, [string, string]>();
    for (const p of patterns) {
      if (!/[[*?]/.test(p)) {
        const d = directivesByName.get(p.toLowerCase());
        if (d !== undefined && !out.has(p.toLowerCase())) out.set(p.toLowerCase(), [p, formatValue(d, this.get(d.name))]);
        continue;
      }
      for (const [name, d] of directivesByName) {
        if (d.hidden !== true && !out.has(name) && match(p, name, true)) out.set(name, [name, formatValue(d, this.get(d.name))]);
      }
    }
    return [...out.values()];
  }

  /**
   * CONFIG SET of one or more pairs, in Redis 7.0's order: every name is checked first
   * (unknown, immutable, protected unless `allowProtected`, duplicate), then every value,
   * and only then are they applied; a failing apply hook undoes them all. Returns null or
   * the error reply text.
   */
  setMany(pairs: readonly [string, string][], allowProtected = true): string | null {
    const failed = (name: string, reason: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`;
    const found: Directive[] = [];
    for (const [rawName] of pairs) {
      const d = directivesByName.get(rawName.toLowerCase());
      if (d === undefined) return `ERR Unknown option or number of arguments for CONFIG SET - '${rawName}'`;
      if (!d.mutable) return failed(rawName, "can't set immutable config");
      if (d.protected && !allowProtected) return failed(rawName, "can't set protected config");
      if (found.includes(d)) return failed(rawName, 'duplicate parameter');
      found.push(d);
    }
    const parsed: [Directive, ConfigValue][] = [];
    for (let i = 0; i < pairs.length; i++) {
      const d = found[i]!;
      const raw = pairs[i]![1];
      // Redis splits a multi-argument value on single spaces; "" is no argument at all.
      const args = isMultiArg(d) ? raw.split(' ').filter((w) => w !== '') : [raw];
      const v = this.parse(d, args);
      if (typeof v === 'object' && v !== null && 'error' in v) return failed(pairs[i]![0].toLowerCase(), v.error);
      parsed.push([d, v as ConfigValue]);
    }
    const previous = parsed.map(([d]) => [d, this.values.get(d.name)!] as const);
    for (const [d, v] of parsed) this.values.set(d.name, v);
    for (const [d, v] of parsed) {
      const err = this.applyHook === null ? null : this.applyHook(d.name, v);
      if (err !== null) {
        for (const [pd, pv] of previous) this.values.set(pd.name, pv);
        for (const [pd, pv] of previous) this.applyHook!(pd.name, pv);
        return failed(d.name, err);
      }
    }
    return null;
  }

  /**
   * CONFIG REWRITE: rewrite the config file in place, keeping comments and line order;
   * each directive's first line gets the current value, repeats are dropped, and
   * directives that differ from their default and were not in the file are appended.
   * The file is replaced atomically. Returns null or the error reply text.
   */
  rewrite(): string | null {
    if (this.file === null) return 'ERR The server is running without a config file';
    let text: string;
    try {
      text = readFileSync(this.file, 'latin1');
    } catch {
      text = '';
    }
    const out: string[] = [];
    const written = new Set<string>();
    const generatedMarker = '# Generated by CONFIG REWRITE';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === generatedMarker) continue;
      const argv = line === '' || line.startsWith('#') ? null : splitArgs(line);
      const d = argv && argv.length > 0 ? directivesByName.get(argv[0]!.toLowerCase()) : undefined;
      if (d === undefined) {
        out.push(raw);
        continue;
      }
      if (written.has(d.name)) continue;
      written.add(d.name);
      out.push(...this.lines(d));
    }
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    const extra: string[] = [];
    for (const d of directives) {
      if (written.has(d.name)) continue;
      if (formatValue(d, this.get(d.name)) === formatValue(d, defaultValue(d))) continue;
      extra.push(...this.lines(d));
    }
    if (extra.length > 0) out.push(generatedMarker, ...extra);
    try {
      writeFileAtomic(realIo, this.file, out.join('\n') + '\n');
    } catch (err) {
      return `ERR Rewriting config file: ${(err as Error).message}`;
    }
    return null;
  }

  /** The redis.conf line(s) that set d to its current value. */
  private lines(d: Directive): string[] {
    const v = this.get(d.name);
    switch (d.type) {
      case 'save': {
        const points = v as readonly SavePoint[];
        return points.length === 0 ? ['save ""'] : points.map((p) => `save ${p.seconds} ${p.changes}`);
      }
      case 'client-output-buffer-limit':
        return (v as readonly OutputBufferLimit[]).map((l) => `${d.name} ${l.class} ${l.hard} ${l.soft} ${l.seconds}`);
      case 'replicaof':
        return v === '' ? [] : [`${d.name} ${v as string}`];
    }
    const text = formatValue(d, v);
    if (isMultiArg(d)) return [`${d.name} ${text === '' ? '""' : text}`];
    return [`${d.name} ${quote(text)}`];
  }
}

type Parsed = ConfigValue | { error: string };

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (err) {
    throw new ConfigError(`Fatal error, can't open config file '${path}': ${(err as Error).message}`);
  }
}

/** Directives that take several arguments (Redis's MULTI_ARG_CONFIG). */
function isMultiArg(d: Directive): boolean {
  switch (d.type) {
    case 'save':
    case 'bind':
    case 'shutdown-flags':
    case 'client-output-buffer-limit':
    case 'oom-score-adj-values':
    case 'replicaof':
    case 'percentiles':
      return true;
    default:
      return false;
  }
}

/** A directive's default value, parsed from the table's redis.conf spelling. */
function defaultValue(d: Directive): ConfigValue {
  const args = d.default === '' ? [''] : splitArgs(d.default)!;
  const v = parseValue(d, args, []);
  if (typeof v === 'object' && v !== null && 'error' in v) throw new Error(`bad default for ${d.name}: ${v.error}`);
  return v;
}

/**
 * One directive's arguments as Redis's set functions read them. `prev` is the current
 * value: client-output-buffer-limit changes only the classes it names.
 */
function parseValue(d: Directive, args: readonly string[], prev: ConfigValue): Parsed {
  switch (d.type) {
    case 'shutdown-flags':
      return parseShutdownFlags(args);
    case 'save': {
      if (args.length === 1 && args[0] === '') return [];
      if (args.length % 2 !== 0) return { error: 'Invalid save parameters' };
      const points: SavePoint[] = [];
      for (let i = 0; i < args.length; i += 2) {
        const seconds = Number(args[i]);
        const changes = Number(args[i + 1]);
        if (!/^[0-9]+$/.test(args[i]!) || !/^[0-9]+$/.test(args[i + 1]!) || seconds < 1 || changes < 0) {
          return { error: 'Invalid save parameters' };
        }
        points.push({ seconds, changes });
      }
      return points;
    }
    case 'bind': {
      if (args.length > 16) return { error: 'Too many bind addresses specified.' };
      // A single empty argument is no address at all: no TCP listener.
      if (args.length === 1 && args[0] === '') return [];
      return args.map((a) => (a.startsWith('-') ? { host: a.slice(1), optional: true } : { host: a, optional: false }));
    }
    case 'client-output-buffer-limit':
      return parseOutputBufferLimits(args, prev as readonly OutputBufferLimit[]);
    case 'oom-score-adj-values': {
      if (args.length !== 3) return { error: 'wrong number of arguments' };
      const values = args.map((a) => (/^-?[0-9]+$/.test(a) ? Number(a) : NaN));
      if (values.some((n) => !(n >= -2000 && n <= 2000))) {
        return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
      }
      return values;
    }
    case 'replicaof': {
      if (args.length !== 2) return { error: 'wrong number of arguments' };
      if (args[0]!.toLowerCase() === 'no' && args[1]!.toLowerCase() === 'one') return '';
      const port = /^[0-9]+$/.test(args[1]!) ? Number(args[1]) : NaN;
      if (!(port <= 65535)) return { error: 'Invalid master port' };
      return `${args[0]} ${port}`;
    }
    case 'percentiles': {
      if (args.length === 1 && args[0] === '') return [];
      const values = args.map(parseDouble);
      if (values.some(Number.isNaN)) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
      if (values.some((p) => p < 0 || p > 100)) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
      return values;
    }
    default:
      return parseSingle(d, args[0]!);
  }
}

/** A directive that takes one argument (the config loader has checked the count). */
function parseSingle(d: Directive, arg: string): Parsed {
  switch (d.type) {
    case 'bool': {
      const a = arg.toLowerCase();
      if (a === 'yes') return true;
      if (a === 'no') return false;
      return { error: "argument must be 'yes' or 'no'" };
    }
    case 'int': {
      const n = parseLongLong(arg);
      if (n === null) return { error: "argument couldn't be parsed into an integer" };
      const v = inBounds(d, Number(n));
      return d.clamp === undefined || typeof v !== 'number' ? v : Math.min(Math.max(v, d.clamp[0]), d.clamp[1]);
    }
    case 'octal': {
      // strtoll(…, 8): a sign parses, and the unsigned bounds check refuses it.
      const n = /^-?[0-7]+$/.test(arg) ? parseInt(arg, 8) : NaN;
      if (Number.isNaN(n)) return { error: "argument couldn't be parsed as an octal number" };
      return inBounds(d, n);
    }
    case 'memory': {
      const n = parseMemory(arg);
      if (!Number.isNaN(n)) return inBounds(d, n);
      // Redis's PERCENT_CONFIG: "N%" is kept as -N.
      const pct = d.percent && arg.endsWith('%') ? parseLongLong(arg.slice(0, -1)) : null;
      if (typeof pct === 'number' && pct >= 0) {
        return -pct < d.min! ? { error: `percentage argument must be less or equal to ${-d.min!}` } : -pct;
      }
      return { error: d.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value' };
    }
    case 'enum': {
      const a = arg.toLowerCase();
      if (d.values!.includes(a)) return d.synonyms?.[a] ?? a;
      return { error: `argument(s) must be one of the following: ${d.values!.join(', ')}` };
    }
    case 'keyspace-events': {
      const flags = parseKeyspaceEvents(arg);
      if (flags < 0) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
      return flags;
    }
    default:
      return arg;
  }
}

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;

/**
 * Redis's updateClientOutputBufferLimit: groups of <class> <hard> <soft> <soft seconds>,
 * all checked before any is kept; classes not named keep their limits, so several lines
 * in a file add up. `replica` is another name for `slave`; `master` is refused.
 */
function parseOutputBufferLimits(args: readonly string[], prev: readonly OutputBufferLimit[]): Parsed {
  if (args.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const next = OBUF_CLASSES.map((c) => ({ ...(prev.find((l) => l.class === c) ?? { class: c, hard: 0, soft: 0, seconds: 0 }) }));
  for (let j = 0; j < args.length; j += 4) {
    const name = args[j]!.toLowerCase();
    const index = OBUF_CLASSES.indexOf((name === 'replica' ? 'slave' : name) as OutputBufferLimit['class']);
    if (index < 0) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = parseMemory(args[j + 1]!);
    const soft = parseMemory(args[j + 2]!);
    if (Number.isNaN(hard) || Number.isNaN(soft) || !/^[0-9]+$/.test(args[j + 3]!)) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    next[index] = { class: OBUF_CLASSES[index]!, hard, soft, seconds: Number(args[j + 3]) };
  }
  return next;
}

function inBounds(d: Directive, n: number): Parsed {
  if (n < d.min! || n > d.max!) {
    const text = d.type === 'octal' ? (b: number) => b.toString(8) : boundText;
    return { error: `argument must be between ${text(d.min!)} and ${text(d.max!)} inclusive` };
  }
  return n;
}

/** A bound as Redis prints it: the directives table stands in LLONG_MAX with 2**53 - 1. */
function boundText(n: number): string {
  if (n === LONG_MAX) return '9223372036854775807';
  if (n === ULLONG_MAX) return '18446744073709551615';
  return String(n);
}

function formatValue(d: Directive, v: ConfigValue): string {
  switch (d.type) {
    case 'bool':
      return v ? 'yes' : 'no';
    case 'save':
      return (v as readonly SavePoint[]).map((p) => `${p.seconds} ${p.changes}`).join(' ');
    case 'bind':
      return (v as readonly BindAddress[]).map((b) => (b.optional ? '-' : '') + b.host).join(' ');
    case 'keyspace-events':
      return formatKeyspaceEvents(v as number);
    case 'octal':
      return (v as number).toString(8);
    case 'memory':
      return d.percent && (v as number) < 0 ? `${-(v as number)}%` : String(v);
    case 'client-output-buffer-limit':
      return (v as readonly OutputBufferLimit[]).map((l) => `${l.class} ${l.hard} ${l.soft} ${l.seconds}`).join(' ');
    case 'oom-score-adj-values':
      return (v as readonly number[]).join(' ');
    case 'percentiles':
      // "%f" with the trailing zeros trimmed (Redis's trimDoubleString): 99.9, 50.
      return (v as readonly number[]).map((p) => p.toFixed(6).replace(/\.?0+$/, '')).join(' ');
    case 'int':
    case 'string':
    case 'enum':
    case 'shutdown-flags':
    case 'replicaof':
      return String(v);
  }
}

/**
 * A multi-argument enum as Redis 7.0 keeps it, a set of bits: kept as the flags' names
 * in table order ("nosave force" whatever order they came in), "default" when none is set.
 */
function parseShutdownFlags(args: readonly string[]): Parsed {
  const set = new Set<string>();
  for (const a of args) {
    const flag = a.toLowerCase();
    if (!(SHUTDOWN_FLAGS as readonly string[]).includes(flag)) {
      return { error: `argument(s) must be one of the following: ${SHUTDOWN_FLAGS.join(', ')}` };
    }
    set.add(flag);
  }
  if (set.has('save') && set.has('nosave')) return { error: "shutdown options SAVE and NOSAVE can't be used simultaneously" };
  const names = SHUTDOWN_FLAGS.filter((f) => f !== 'default' && set.has(f));
  return names.length === 0 ? 'default' : names.join(' ');
}

/**
 * Redis's memtoull: a number with an optional unit (k, kb, m, mb, g, gb; any case). As
 * there, no digits at all reads as 0 ("" and "kb" are 0).
 */
export function parseMemory(s: string): number {
  const m = /^([0-9]*)(k|kb|m|mb|g|gb|b)?$/i.exec(s);
  if (m === null) return NaN;
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(m[1] === '' ? 0 : m[1]) * mul[unit]!;
}

/** Quote a value for a config line when splitArgs would not read it back as one word. */
function quote(s: string): string {
  if (s !== '' && /^[\x21-\x7e]+$/.test(s) && !/["'\\]/.test(s)) return s;
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}
