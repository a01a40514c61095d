/**
 * The one bridge from decoded RDB elements to store values (style.md R7): the loader and
 * RESTORE hand the reader this builder, which creates lists, sets, hashes and zsets with
 * the configured encoding thresholds, so OBJECT ENCODING after a load answers as Redis's
 * does after its own load (compact types converted by count, plain types by count and
 * element size), and streams with the configured node limits. Duplicates and empty
 * inputs were already refused by the reader.
 */

import type { Config } from '../../config/config.js';
import type { Value } from '../../store/value.js';
import { ListValue } from '../../store/list.js';
import { SetValue, type SetLimits } from '../../store/set.js';
import { HashValue, type HashLimits } from '../../store/hash.js';
import { ZSetValue, type ZSetLimits } from '../../store/zset.js';
import { STREAM_NODE_DEFAULTS, StreamValue, type StreamImage, type StreamNodeLimits } from '../../store/stream.js';
import type { ValueBuilder } from './reader.js';

export class StoreValueBuilder implements ValueBuilder<Value> {
  constructor(
    private readonly setLimits: SetLimits,
    private readonly hashLimits: HashLimits,
    private readonly zsetLimits: ZSetLimits,
    private readonly streamLimits: StreamNodeLimits = STREAM_NODE_DEFAULTS,
  ) {}

  /** Thresholds as the configuration says now. */
  static fromConfig(config: Config): StoreValueBuilder {
    return new StoreValueBuilder(
      { maxIntsetEntries: config.number('set-max-intset-entries') },
      { maxListpackEntries: config.number('hash-max-listpack-entries'), maxListpackValue: config.number('hash-max-listpack-value') },
      { maxListpackEntries: config.number('zset-max-listpack-entries'), maxListpackValue: config.number('zset-max-listpack-value') },
      { maxBytes: config.number('stream-node-max-bytes'), maxEntries: config.number('stream-node-max-entries') },
    );
  }

  string(s: string): Value {
    return s;
  }

  list(items: string[]): Value {
    return ListValue.fromArray(items);
  }

  set(members: string[]): Value {
    return SetValue.fromValues(members, this.setLimits);
  }

  hash(pairs: [string, string][]): Value {
    return HashValue.fromEntries(pairs, this.hashLimits);
  }

  zset(entries: [string, number][]): Value {
    return ZSetValue.fromEntries(entries, this.zsetLimits);
  }

  /** Nodes are laid out as XADDs under the current limits would lay them. */
  stream(image: StreamImage): Value {
    return StreamValue.fromImage(image, this.streamLimits);
  }
}
