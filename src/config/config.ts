/**
 * A server's configuration: the typed values of the directives in directives.ts, read once
 * at start-up from a redis.conf file, `--name value` overrides and embedder options, then
 * changed only through CONFIG SET, which validates every pair before it applies any
 * (Redis 7.0's multi-parameter CONFIG SET is all or nothing).
 *
 * Errors at start-up are reported like Redis's "FATAL CONFIG FILE ERROR", plus the file name;
 * errors from CONFIG SET use Redis 7.0's wording.
 */

import { readFileSync } from 'node:fs';
import { splitArgs } from '../util/split-args.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';
import { type Directive, LONG_MAX, SHUTDOWN_FLAGS, ULLONG_MAX, directives, directivesByName } from './directives.js';
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

export type ConfigValue = boolean | number | string | readonly SavePoint[] | readonly BindAddress[];

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
  /** Directives set by the file or overrides that have no effect in Vellum. */
  readonly inertSet = new Set<string>();
  applyHook: ApplyHook | null = null;
  /** A save line was read at start-up: later ones add save points. */
  private saveLoaded = false;

  constructor() {
    for (const d of directives) {
      const v = parseValue(d, defaultArgs(d));
      if (typeof v === 'object' && v !== null && 'error' in v) throw new Error(`bad default for ${d.name}`);
      this.values.set(d.name, v as ConfigValue);
    }
  }

  /**
   * Build a config from command-line style arguments: an optional config file path first,
   * then `--name value...` pairs, as redis-server takes them. Throws ConfigError.
   */
  static fromArgs(args: readonly string[], options: ConfigOptions = {}): Config {
    const config = new Config();
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
      const d = directivesByName.get(name);
      if (d === undefined || argv!.length < 2) fail('Bad directive or wrong number of arguments');
      let args = argv!.slice(1);
      // Redis's MULTI_ARG_CONFIG rule: one non-empty argument is split again, so that
      // `--save "60 1000"` and `save "60 1000"` mean `save 60 1000`.
      if (isMultiArg(d!) && args.length === 1 && args[0] !== '') args = splitArgs(args[0]!) ?? args;
      // As in Redis, save lines add up across the whole start-up configuration (file, then
      // command line); the first one replaces the default, and `save ""` clears them.
      if (d!.type === 'save' && this.saveLoaded && args.join(' ') !== '') {
        args = [...formatValue(d!, this.values.get(d!.name)!).split(' ').filter((w) => w !== ''), ...args];
      }
      if (d!.type === 'save') this.saveLoaded = true;
      const v = parseValue(d!, args);
      if (typeof v === 'object' && v !== null && 'error' in v) fail(v.error);
      this.values.set(d!.name, v as ConfigValue);
      if (d!.inert) this.inertSet.add(d!.name);
    }
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
        if (!out.has(name) && match(p, name, true)) out.set(name, [name, formatValue(d, this.get(d.name))]);
      }
    }
    return [...out.values()];
  }

  /**
   * CONFIG SET of one or more pairs: every pair is validated before any is applied, and a
   * failing apply hook undoes them all. Returns null or the error reply text.
   */
  setMany(pairs: readonly [string, string][]): string | null {
    const parsed: [Directive, ConfigValue][] = [];
    const seen = new Set<string>();
    for (const [rawName, raw] of pairs) {
      const name = rawName.toLowerCase();
      const d = directivesByName.get(name);
      if (d === undefined) return `ERR Unknown option or number of arguments for CONFIG SET - '${rawName}'`;
      const failed = (reason: string) => `ERR CONFIG SET failed (possibly related to argument '${rawName}') - ${reason}`;
      if (seen.has(d.name)) return failed('duplicate parameter');
      seen.add(d.name);
      if (!d.mutable) return failed("can't set immutable config");
      const args = isMultiArg(d) ? raw.split(' ').filter((w) => w !== '') : [raw];
      const v = parseValue(d, d.type === 'save' && args.length === 0 ? [''] : args);
      if (typeof v === 'object' && v !== null && 'error' in v) return failed(v.error);
      parsed.push([d, v as ConfigValue]);
    }
    const previous = parsed.map(([d]) => [d, this.values.get(d.name)!] as const);
    for (const [d, v] of parsed) this.values.set(d.name, v);
    for (const [d, v] of parsed) {
      const err = this.applyHook === null ? null : this.applyHook(d.name, v);
      if (err !== null) {
        for (const [pd, pv] of previous) this.values.set(pd.name, pv);
        for (const [pd, pv] of previous) this.applyHook!(pd.name, pv);
        return `ERR CONFIG SET failed (possibly related to argument '${d.name}') - ${err}`;
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
      if (formatValue(d, this.get(d.name)) === formatValue(d, parseValue(d, defaultArgs(d)) as ConfigValue)) continue;
      extra.push(...this.lines(d));
    }
    if (extra.length > 0) out.push(generatedMarker, ...extra);
    try {
      writeFileAtomicSync(this.file, out.join('\n') + '\n');
    } catch (err) {
      return `ERR Rewriting config file: ${(err as Error).message}`;
    }
    return null;
  }

  /** The redis.conf line(s) that set d to its current value. */
  private lines(d: Directive): string[] {
    const v = this.get(d.name);
    if (d.type === 'save') {
      const points = v as readonly SavePoint[];
      return points.length === 0 ? ['save ""'] : points.map((p) => `save ${p.seconds} ${p.changes}`);
    }
    const text = formatValue(d, v);
    return [`${d.name} ${d.type === 'bind' || d.type === 'shutdown-flags' ? text : quote(text)}`];
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
  return d.type === 'save' || d.type === 'bind' || d.type === 'shutdown-flags';
}

/** A directive's default as arguments; "" is one empty argument, as `dir ""` would be. */
function defaultArgs(d: Directive): string[] {
  return d.default === '' ? [''] : splitArgs(d.default)!;
}

function parseValue(d: Directive, args: readonly string[]): Parsed {
  switch (d.type) {
    case 'bool': {
      if (args.length !== 1) return { error: 'wrong number of arguments' };
      const a = args[0]!.toLowerCase();
      if (a === 'yes') return true;
      if (a === 'no') return false;
      return { error: "argument must be 'yes' or 'no'" };
    }
    case 'int': {
      if (args.length !== 1) return { error: 'wrong number of arguments' };
      const n = /^-?[0-9]+$/.test(args[0]!) ? Number(args[0]) : NaN;
      if (!Number.isSafeInteger(n)) return { error: "argument couldn't be parsed into an integer" };
      return inBounds(d, n);
    }
    case 'octal': {
      if (args.length !== 1) return { error: 'wrong number of arguments' };
      const n = /^[0-7]+$/.test(args[0]!) ? parseInt(args[0]!, 8) : NaN;
      if (Number.isNaN(n)) return { error: "argument couldn't be parsed into an integer" };
      return inBounds(d, n);
    }
    case 'memory': {
      if (args.length !== 1) return { error: 'wrong number of arguments' };
      const n = parseMemory(args[0]!);
      if (Number.isNaN(n)) return { error: 'argument must be a memory value' };
      return inBounds(d, n);
    }
    case 'string':
      if (args.length !== 1) return { error: 'wrong number of arguments' };
      return args[0]!;
    case 'enum': {
      if (args.length !== 1) return { error: 'wrong number of arguments' };
      const a = args[0]!.toLowerCase();
      if (d.values!.includes(a)) return a;
      return { error: `argument(s) must be one of the following: ${d.values!.join(', ')}` };
    }
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
      if (args.length === 0 || args.length > 16) return { error: 'Too many bind addresses specified.' };
      return args.map((a) => (a.startsWith('-') ? { host: a.slice(1), optional: true } : { host: a, optional: false }));
    }
    case 'keyspace-events': {
      if (args.length !== 1) return { error: 'wrong number of arguments' };
      const flags = parseKeyspaceEvents(args[0]!);
      if (flags < 0) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
      return flags;
    }
  }
}

function inBounds(d: Directive, n: number): Parsed {
  if (n < d.min! || n > d.max!) return { error: `argument must be between ${boundText(d.min!)} and ${boundText(d.max!)} inclusive` };
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
    case 'int':
    case 'memory':
    case 'string':
    case 'enum':
    case 'shutdown-flags':
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

/** Redis's memtoull: a number with an optional unit (k, kb, m, mb, g, gb; any case). */
export function parseMemory(s: string): number {
  const m = /^([0-9]+)(k|kb|m|mb|g|gb|b)?$/i.exec(s);
  if (m === null) return NaN;
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(m[1]) * mul[unit]!;
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
