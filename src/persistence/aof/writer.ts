/**
 * The AOF writer: a propagation sink that encodes each effect as RESP bytes straight into
 * one growable buffer (resp.ts's RespBuffer) for the loop turn, and writes them with one
 * write(2) before that turn's replies leave (server.beforeReplies; Redis's
 * flushAppendOnlyFile in beforeSleep).
 *
 * fsync policies:
 *  - always: after the turn's write, one fdatasync on the thread pool covers every write
 *    of the turn (group commit). A client whose command propagated something gets a
 *    durability barrier (SyncGate.hold): its output up to that point leaves only when an
 *    fsync issued after the write has completed. Clients that only read are untouched.
 *    One fsync is in flight at a time. Records made meanwhile stay in the buffer, as a
 *    postponed everysec write does in Redis: appending to a file while fdatasync flushes it
 *    doubled the fsync's latency here (0.34 → 0.55 ms median, 0.5 → 1.1 ms mean, ext4), and
 *    their replies wait for the next fsync anyway. When the fsync returns, its callback
 *    releases the replies it covers and writes everything buffered since with one write(2),
 *    so one sync serves every turn that waited for it. The cost of holding records back: a
 *    read may see a write that is not yet in the page cache, where before it was in the
 *    page cache but not on disk; neither survives a power loss, and no reply of that write
 *    has left (Redis 7.0 holds such reads too; the issue asks us not to).
 *    The next fsync then waits, for at most as long as the last one took, until as many
 *    clients hold replies as waited on that fsync: the clients it just released are on
 *    their way back with their next writes. Started at once, it would leave them for the
 *    fsync after it, and a load of N clients would settle into two groups of N/2, taking
 *    turns, each sync serving half of them (measured: ~21 SETs per fdatasync with 50
 *    redis-benchmark clients, where Redis, whose loop blocks on the sync, gets ~45). A lone
 *    client is back as soon as it writes again, and then waits for nothing.
 *  - everysec: an fdatasync on the thread pool at most once a second. While one is still
 *    running, a write is postponed up to 2 s, then done anyway (aof_delayed_fsync), as
 *    Redis does, because write(2) would block behind the fsync anyway. A postponed write is
 *    done as soon as that fsync returns, not at the next cron or command.
 *  - no: the OS decides.
 *
 * Write errors (ENOSPC, EIO, short write undone with ftruncate) and fsync errors leave the
 * records in the buffer, set aof_last_write_status:err and make writes answer
 * `MISCONF Errors writing to the AOF file: <reason>`; the cron retries, and the first
 * success clears the refusal (Redis's rules for everysec).
 *
 * Lost writes. After a failed fsync the kernel may have dropped the unsynced pages and
 * marked them clean, so a later fsync of the same file succeeds without them (Linux
 * since 4.13; PostgreSQL's "fsyncgate"). So when the failed fsync was of an `always` file
 * or of a retired one (below), the generations it covered are *lost*: no later fsync
 * counts for them or for anything after them (a hole before a record makes the file
 * unloadable), their replies stay held, writes are refused with MISCONF and nothing
 * more is fsynced or written to a newer file. The data is still in memory: a rewrite's
 * new base (fsynced, in a new file) is the one thing that makes it durable again, so the
 * AOF asks for one (needsBase), and baseCovers() releases everything up to the switch the
 * base belongs to. Redis exits on an `always` fsync error and ignores a failed fsync of the
 * incr file it retires (bio's close job); neither is acceptable here.
 *
 * SELECT is emitted when the db differs from the last one written to the current file,
 * and at the start of every file (lastDb is reset when a file is opened).
 *
 * Switching files (a rewrite opening its new incr) must not stop the loop for the old
 * file's fsync and close, as Redis's bio does them: the old fd is retired, and its fsync
 * is the next one on the thread pool (after the one in flight, if any; its generation is
 * the last write before the switch, so it acknowledges nothing written to the new file),
 * then it is closed there. Under `always` and `everysec` nothing is written to the new file
 * until that fsync completes or the rewrite's base covers the old file (records stay in
 * the buffer, as in a postponed everysec write, with no 2 s escape): the new incr never
 * holds bytes on disk while an earlier record of the old one may still be lost, so an OS
 * crash leaves a prefix of the write stream, and `always` replies wait for both fsyncs as
 * before. If that fsync fails, the old file's writes are lost (above) until the base lands.
 * Records the old file could not take at the switch (a write error) are never written to
 * the new one, since the base holds them and replay would apply them twice: they count as
 * lost until the base lands. The new file enters the manifest just before its first
 * write (nameFile), so the old one is never followed in the manifest while it may be torn.
 * Under `no` the OS orders nothing anyway and writes go on at once, as in Redis. A forced
 * flush or fsyncNow (shutdown, turning the AOF off) fsyncs the old file synchronously
 * instead.
 */

import type { Client, SyncGate } from '../../server/client.js';
import type { PropagationSink } from '../../server/propagate.js';
import type { Server } from '../../server/server.js';
import { type FileIo, strerror } from '../io.js';
import { RespBuffer } from './resp.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** An open AOF file and its name (for log lines). */
interface AofFile {
  fd: number;
  name: string;
}

const MISCONF_AOF = 'MISCONF Errors writing to the AOF file: ';
/** Redis's AOF_WRITE_LOG_ERROR_RATE (30 s), in ms. */
const WRITE_ERROR_LOG_MS = 30_000;

export class AofWriter implements PropagationSink, SyncGate {
  /** Records not yet written (aof_buf). */
  readonly buf = new RespBuffer();
  fd = -1;
  /** The current file's name, for log lines (index.ts renames the temp incr). */
  name = '';
  /** Bytes in the current incr file, and the size when it was last fsynced. */
  incrSize = 0;
  private syncedIncrSize = 0;
  /** aof_current_size: base plus every incr. */
  currentSize = 0;
  policy: FsyncPolicy = 'everysec';
  timestamps = false;
  /**
   * no-appendfsync-on-rewrite: no fsync while a snapshot (BGSAVE or rewrite, Redis's
   * "active child") runs. Redis then acknowledges `always` writes unsynced; so do we
   * (hold() holds nothing), and the first flush after the snapshot syncs what was written.
   */
  noFsyncOnRewrite = false;
  delayedFsync = 0;
  lastWriteStatus: 'ok' | 'err' = 'ok';
  lastWriteError = '';
  fsyncStatus: 'ok' | 'err' = 'ok';
  private lastWriteErrorLog = 0;

  private lastDb = -1;
  private lastTsSec = 0;
  /** Writes done so far; an fsync started after write n covers generations ≤ n. */
  private writtenGen = 0;
  private syncedGen = 0;
  /** Generations up to this one may be lost to a failed fsync (header); 0: none. */
  private lostGen = 0;
  private syncInFlight = false;
  private lastFsyncSec = 0;
  private postponedStart = 0;
  /**
   * Files switched away from, not yet closed: closed once no fsync is in flight on them.
   * The last one must be synced up to retiredGen (the writes made before the switch)
   * before the current file gets a write.
   */
  private retired: AofFile[] = [];
  private retiredGen = 0;
  private waiters = new Set<Client>();
  /**
   * always, the group commit (header): a round is the clients holding replies for one
   * fsync; roundHolders counts those of the round being gathered. When an fsync returns,
   * the next may wait until syncGroup clients hold, at most until syncGroupDeadline
   * (performance.now()).
   */
  private syncRound = 1;
  private roundHolders = 0;
  private syncGroup = 0;
  private syncGroupDeadline = 0;
  private syncGroupTimer: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private readonly flushHook = () => this.flush(false);
  /**
   * Set while the current file is not in the manifest yet (a rewrite's new incr, index.ts):
   * called before its first write, when the file before it is durable (switchTo), to name
   * it; returns an error text, and the records wait as after a failed write.
   */
  nameFile: (() => string | null) | null = null;
  private readonly syncGroupTimeout = () => {
    this.syncGroupTimer = null;
    this.flush(false);
  };

  constructor(private readonly server: Server, private readonly io: FileIo) {}

  get pendingFsync(): number {
    return this.syncInFlight ? 1 : 0;
  }

  /** Writes a failed fsync may have lost wait for a new base (index.ts starts a rewrite). */
  get needsBase(): boolean {
    return this.lostGen > this.syncedGen;
  }

  /** The write generation so far: what a base of the dataset as it is now covers. */
  get generation(): number {
    return this.writtenGen;
  }

  /** Start receiving effects and flushing before replies. */
  attach(): void {
    if (!this.server.propagator.sinks.includes(this)) this.server.propagator.sinks.push(this);
    if (!this.server.beforeReplies.includes(this.flushHook)) this.server.beforeReplies.push(this.flushHook);
    this.updateGate();
  }

  /** Stop receiving effects (the caller closes first). */
  detach(): void {
    const sinks = this.server.propagator.sinks;
    const i = sinks.indexOf(this);
    if (i >= 0) sinks.splice(i, 1);
    const hooks = this.server.beforeReplies;
    const j = hooks.indexOf(this.flushHook);
    if (j >= 0) hooks.splice(j, 1);
    if (this.server.syncGate === this) this.server.syncGate = null;
    this.clearRefusal();
  }

  /** `always` installs the durability gate; leaving `always` first syncs what is held. */
  setPolicy(policy: FsyncPolicy): void {
    this.policy = policy;
    if (policy !== 'always' && this.waiters.size > 0) this.fsyncNow();
    this.updateGate();
  }

  /** Installed under `always`, and after it for as long as replies are still held. */
  private updateGate(): void {
    const want = (this.policy === 'always' && this.fd >= 0) || this.waiters.size > 0;
    if (want) this.server.syncGate = this;
    else if (this.server.syncGate === this) this.server.syncGate = null;
  }

  // ------------------------------------------------------------------ feeding

  feed(db: number, argv: readonly string[]): void {
    const buf = this.buf;
    if (this.timestamps) {
      const sec = Math.floor(Date.now() / 1000);
      if (sec > this.lastTsSec) {
        buf.appendTimestamp(sec);
        this.lastTsSec = sec;
      }
    }
    if (db !== this.lastDb) {
      buf.appendCommand(['SELECT', String(db)]);
      this.lastDb = db;
    }
    buf.appendCommand(argv);
    // Effects from timers (active expiry) have no reply to ride on: flush this turn anyway.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushHook);
    }
  }

  // ------------------------------------------------------------------ the durability gate

  /** Redis's `aof_no_fsync_on_rewrite && hasActiveChildProcess()`. */
  private get fsyncSuppressed(): boolean {
    return this.noFsyncOnRewrite && this.server.persistence.childActive;
  }

  /** SyncGate: `c`'s output so far waits for the fsync covering its latest effect. */
  hold(c: Client): void {
    if (this.policy !== 'always' || this.fsyncSuppressed) return;
    const gen = this.buf.length > 0 ? this.writtenGen + 1 : this.writtenGen;
    if (gen <= this.syncedGen) return;
    let b = c.syncBarriers;
    if (b === null) b = c.syncBarriers = [];
    const n = b.length;
    if (n >= 2 && b[n - 2] === gen) b[n - 1] = c.out.length;
    else b.push(gen, c.out.length);
    this.waiters.add(c);
    if (c.syncRound !== this.syncRound) {
      c.syncRound = this.syncRound;
      this.roundHolders++;
    }
  }

  /** SyncGate: how much of c.out may leave now; drops the barriers it passes. */
  releasable(c: Client): number {
    const b = c.syncBarriers!;
    let i = 0;
    while (i < b.length && b[i]! <= this.syncedGen) i += 2;
    if (i === b.length) {
      c.syncBarriers = null;
      this.waiters.delete(c);
      if (this.waiters.size === 0 && this.policy !== 'always') this.updateGate();
      return c.out.length;
    }
    if (i === 0) return 0;
    const end = b[i - 1]!;
    b.splice(0, i);
    for (let j = 1; j < b.length; j += 2) b[j]! -= end;
    return end;
  }

  /** Forget a closing client. */
  forget(c: Client): void {
    this.waiters.delete(c);
  }

  private releaseWaiters(): void {
    for (const c of this.waiters) {
      if (c.closed) this.waiters.delete(c);
      else if (c.syncBarriers !== null && c.syncBarriers[0]! <= this.syncedGen) this.server.scheduleWrite(c);
    }
  }

  // ------------------------------------------------------------------ write and fsync

  /**
   * Write the buffer with one write(2), then fsync as the policy says. `force` writes even
   * while an everysec fsync is running (shutdown, rewrite, switching files).
   */
  flush(force: boolean): void {
    this.flushScheduled = false;
    if (this.fd < 0) return;
    if (this.syncedGen < this.retiredGen && this.policy !== 'no') {
      if (this.needsBase) return; // only the new base can cover the old file now
      // Not suppressed by no-appendfsync-on-rewrite: Redis's bio syncs the old file anyway.
      if (!force) {
        if (!this.syncInFlight) this.startFsync();
        return; // written when the old file's fsync returns
      }
      if (!this.syncRetiredNow()) return;
    }
    const now = Date.now();
    const nowSec = Math.floor(now / 1000);
    if (this.buf.length === 0) {
      if (this.fsyncSuppressed || this.needsBase) return;
      if (this.policy === 'everysec' && this.syncedIncrSize !== this.incrSize && nowSec > this.lastFsyncSec && !this.syncInFlight) {
        this.startFsync();
      } else if (this.policy === 'always' && this.writtenGen > this.syncedGen && !this.syncInFlight) {
        this.startFsyncForGroup();
      }
      return;
    }
    // always: written when the running fsync returns (header).
    if (this.policy === 'always' && !force && this.syncInFlight) return;
    if (this.policy === 'everysec' && !force && this.syncInFlight) {
      if (this.postponedStart === 0) {
        this.postponedStart = now;
        return;
      }
      if (now - this.postponedStart < 2000) return;
      this.delayedFsync++;
      this.server.log.notice('Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Vellum.');
    }
    this.postponedStart = 0;
    if (!this.writeBuffer()) return;
    if (this.fsyncSuppressed || this.needsBase) return; // an fsync now proves nothing
    if (this.policy === 'always') {
      if (!this.syncInFlight) this.startFsyncForGroup();
    } else if (this.policy === 'everysec' && nowSec > this.lastFsyncSec && !this.syncInFlight) {
      this.startFsync();
    }
  }

  /** One write(2) of the whole buffer; false (buffer kept) on error. */
  private writeBuffer(): boolean {
    if (this.nameFile !== null) {
      const err = this.nameFile();
      if (err !== null) {
        if (this.writeErrorLogDue()) this.server.log.warning(`Can't name the AOF file ${this.name} in the manifest: ${err}`);
        this.setWriteError(err);
        return false;
      }
      this.nameFile = null;
    }
    const data = this.buf.view();
    let n: number;
    let error: unknown = null;
    try {
      n = this.io.write(this.fd, data, 0, data.length);
    } catch (err) {
      n = -1;
      error = err;
    }
    if (n !== data.length) {
      const log = this.writeErrorLogDue();
      if (n >= 0) {
        if (log) this.server.log.warning(`Short write while writing to the AOF file: (nwritten=${n}, expected=${data.length})`);
        try {
          this.io.ftruncate(this.fd, this.incrSize);
        } catch (err) {
          // The partial record stays in the file; keep only what did not make it.
          if (log) this.server.log.warning(`Could not remove short write from the append-only file. Vellum may refuse to load the AOF the next time it starts. ftruncate: ${strerror(err)}`);
          this.incrSize += n;
          this.currentSize += n;
          this.buf.consume(n);
        }
        error = { code: 'ENOSPC' };
      } else {
        if (log) this.server.log.warning(`Error writing to the AOF file: ${strerror(error)}`);
      }
      this.setWriteError(strerror(error));
      return false;
    }
    if (this.lastWriteStatus === 'err') {
      this.server.log.warning('AOF write error looks solved, Vellum can write again.');
      this.lastWriteStatus = 'ok';
      this.updateRefusal();
    }
    this.incrSize += n;
    this.currentSize += n;
    this.buf.clear();
    this.writtenGen++;
    return true;
  }

  /**
   * always: fsync what is written, once the clients the last fsync released are back or
   * the wait has lasted as long as that fsync did (header). Each turn's flush asks again;
   * a timer asks if no client comes.
   */
  private startFsyncForGroup(): void {
    const wait = this.syncGroupDeadline - performance.now();
    if (this.roundHolders < this.syncGroup && wait > 0) {
      this.syncGroupTimer ??= setTimeout(this.syncGroupTimeout, Math.ceil(wait));
      return;
    }
    this.startFsync();
  }

  /** One fdatasync on the thread pool: of the retired file while it is unsynced, else the current one. */
  private startFsync(): void {
    const retiring = this.syncedGen < this.retiredGen;
    const target = retiring ? this.retiredGen : this.writtenGen;
    const size = this.incrSize;
    const file = retiring ? this.retired[this.retired.length - 1]! : { fd: this.fd, name: this.name };
    const holders = this.roundHolders;
    this.roundHolders = 0;
    this.syncRound++;
    const started = performance.now();
    this.syncInFlight = true;
    this.lastFsyncSec = Math.floor(Date.now() / 1000);
    this.io.fdatasyncAsync(file.fd, (err) => {
      this.syncInFlight = false;
      this.syncGroup = 0;
      if (err !== null) {
        this.fsyncFailed(file, target, err);
        return; // everysec: the cron retries; held replies stay held
      }
      if (!this.needsBase) {
        if (this.fsyncStatus === 'err') {
          this.fsyncStatus = 'ok';
          this.updateRefusal();
        }
        if (target > this.syncedGen) this.syncedGen = target;
        if (file.fd === this.fd && size > this.syncedIncrSize) this.syncedIncrSize = size;
        // The clients it releases are on their way back (header).
        const returned = performance.now();
        this.syncGroup = holders + this.roundHolders;
        this.syncGroupDeadline = returned + (returned - started);
      }
      this.closeRetired();
      this.releaseWaiters();
      if (this.fd < 0) return;
      // What was postponed behind this fsync (always, everysec, or the old file's) goes out
      // now, and under always the next fsync is started or awaits its group.
      if (this.postponedStart !== 0 || (this.buf.length > 0 && (this.policy === 'always' || file.fd !== this.fd))) this.flush(false);
      // Writes made while this fsync ran wait for the next one.
      if (this.syncInFlight || this.needsBase) return;
      if (this.syncedGen < this.retiredGen) this.startFsync();
      else if (this.policy === 'always' && this.writtenGen > this.syncedGen && !this.fsyncSuppressed) this.startFsyncForGroup();
    });
  }

  /**
   * An fsync of `file` covering generations up to `target` failed. Redis's bio line names
   * no file; ours does. A retired file's or an always file's writes become lost (header).
   */
  private fsyncFailed(file: AofFile, target: number, err: NodeJS.ErrnoException): void {
    const reason = strerror(err);
    if (target <= this.syncedGen) {
      // A new base already holds all of it (baseCovers): the file is history.
      this.server.log.warning(`Fail to fsync the AOF file ${file.name}: ${reason} (no longer needed: a newer AOF base holds its contents)`);
      this.closeRetired();
      return;
    }
    this.server.log.warning(`Fail to fsync the AOF file ${file.name}: ${reason}`);
    this.fsyncStatus = 'err';
    this.lastWriteError = reason;
    if ((file.fd !== this.fd || this.policy === 'always') && target > this.lostGen) {
      const wasLost = this.needsBase;
      this.lostGen = target;
      if (!wasLost) {
        this.server.log.warning(`The writes in ${file.name} since its last fsync may be lost: their replies are held and writes refused until an AOF rewrite writes them to a new base`);
      }
    }
    this.updateRefusal();
  }

  /**
   * Close the retired files nothing will fsync any more: all but the last while it is
   * unsynced, all once the writer is closed or the last is lost. No-op while an fsync runs
   * (one may be on them; its callback calls this again).
   */
  private closeRetired(): void {
    if (this.syncInFlight) return;
    const r = this.retired;
    const keep = this.syncedGen < this.retiredGen && this.fd >= 0 && !this.needsBase ? 1 : 0;
    while (r.length > keep) this.io.closeAsync(r.shift()!.fd);
  }

  /** Forced write while the old file's fsync is pending: do it here; false on error. */
  private syncRetiredNow(): boolean {
    const file = this.retired[this.retired.length - 1]!;
    try {
      this.io.fsync(file.fd);
    } catch (err) {
      this.fsyncFailed(file, this.retiredGen, err as NodeJS.ErrnoException);
      return false;
    }
    this.syncedGen = this.retiredGen;
    this.closeRetired();
    this.releaseWaiters();
    return true;
  }

  /** Write and fsync everything now, synchronously (shutdown, switching files, policy change). */
  fsyncNow(): void {
    if (this.fd < 0) return;
    this.flush(true);
    // A failed write has set the error; lost writes only a new base can cover.
    if (this.buf.length > 0 || this.needsBase) return;
    if (this.syncedGen < this.retiredGen && !this.syncRetiredNow()) return;
    try {
      this.io.fsync(this.fd);
    } catch (err) {
      this.fsyncFailed({ fd: this.fd, name: this.name }, this.writtenGen, err as NodeJS.ErrnoException);
      return;
    }
    this.syncedGen = this.writtenGen;
    this.syncedIncrSize = this.incrSize;
    this.lastFsyncSec = Math.floor(Date.now() / 1000);
    this.releaseWaiters();
  }

  /** Called about ten times a second: postponed writes, everysec fsync, error retries. */
  cron(): void {
    if (this.fd < 0) return;
    if (this.postponedStart !== 0 || this.lastWriteStatus === 'err') this.flush(false);
    else if (this.buf.length === 0) this.flush(false);
    // A failed fsync is tried again once a second, as Redis's next everysec fsync would be.
    if (this.fsyncStatus === 'err' && !this.syncInFlight && !this.needsBase && Math.floor(Date.now() / 1000) > this.lastFsyncSec) {
      this.startFsync();
    }
  }

  /**
   * Append to file `name` (open as `fd`, `size` bytes) from now on (start-up, rewrite).
   * What was buffered goes to the old file, which is retired: fsynced and closed on the
   * thread pool, before the new file (which starts with SELECT) gets a write.
   */
  switchTo(fd: number, size: number, name: string): void {
    if (this.fd >= 0) {
      this.flush(true);
      if (this.buf.length > 0) {
        // The old file could not take them, the new one must not (header): lost until the
        // base that follows this switch lands.
        this.server.log.warning(`${this.buf.length} bytes of AOF records could not be written to ${this.name}: they wait for the new AOF base`);
        this.buf.clear();
        this.lostGen = ++this.writtenGen;
        this.fsyncStatus = 'err';
        this.updateRefusal();
      }
      this.retired.push({ fd: this.fd, name: this.name });
      this.retiredGen = this.writtenGen;
      if (this.syncedGen < this.retiredGen && !this.syncInFlight && !this.needsBase) this.startFsync();
      else this.closeRetired();
    }
    this.fd = fd;
    this.name = name;
    this.incrSize = size;
    this.syncedIncrSize = size;
    this.lastDb = -1;
    this.updateGate();
  }

  /** Stop writing: flush, fsync, close; the held replies go (header, lost writes). */
  close(): void {
    if (this.fd < 0) return;
    if (this.syncGroupTimer !== null) {
      clearTimeout(this.syncGroupTimer);
      this.syncGroupTimer = null;
    }
    this.fsyncNow();
    this.retired.push({ fd: this.fd, name: this.name });
    this.fd = -1;
    this.closeRetired();
    this.buf.clear();
    // What was held is released: fsyncNow has just synced all of it. Writes a failed
    // fsync may have lost are never acknowledged: their clients are disconnected, which
    // tells them what a crash would (the outcome is unknown).
    const lost = this.needsBase;
    for (const c of this.waiters) {
      c.syncBarriers = null;
      if (lost) c.close();
      else this.server.scheduleWrite(c);
    }
    this.waiters.clear();
    // Nothing older than the next file matters once it is opened.
    this.lostGen = 0;
    this.syncedGen = this.retiredGen = this.writtenGen;
    this.updateGate();
  }

  /**
   * A rewrite's base, durable and named by the manifest, holds every effect up to write
   * generation `gen` (the writer's generation right after the switch to the rewrite's
   * incr): no older file matters for them any more. Releases their replies, ends a loss
   * the base covers, and lets the new incr file get its writes.
   */
  baseCovers(gen: number): void {
    if (this.fd < 0 || gen <= this.syncedGen) return;
    const wasLost = this.needsBase;
    this.syncedGen = gen;
    if (wasLost && !this.needsBase) {
      this.lostGen = 0;
      this.fsyncStatus = 'ok';
      this.updateRefusal();
      this.server.log.warning('The new AOF base holds the writes a failed fsync may have lost: Vellum can write again.');
    }
    this.closeRetired();
    this.releaseWaiters();
    if (this.buf.length > 0) this.flush(false);
  }

  /**
   * The cron retries a failed write ten times a second: a failed attempt's log lines come
   * at most once per AOF_WRITE_LOG_ERROR_RATE, as in Redis.
   */
  private writeErrorLogDue(): boolean {
    const now = Date.now();
    if (now - this.lastWriteErrorLog <= WRITE_ERROR_LOG_MS) return false;
    this.lastWriteErrorLog = now;
    return true;
  }

  private setWriteError(reason: string): void {
    this.lastWriteStatus = 'err';
    this.lastWriteError = reason;
    this.updateRefusal();
  }

  private updateRefusal(): void {
    const server = this.server;
    if (this.lastWriteStatus === 'err' || this.fsyncStatus === 'err') {
      server.diskErrorRefusal = MISCONF_AOF + this.lastWriteError;
    } else {
      this.clearRefusal();
    }
  }

  private clearRefusal(): void {
    const r = this.server.diskErrorRefusal;
    if (r !== null && r.startsWith(MISCONF_AOF)) this.server.diskErrorRefusal = null;
  }
}
