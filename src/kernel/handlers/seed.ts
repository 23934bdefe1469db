import { ValueError } from '../errors.js';
import { type PRNGKey, PRNGKey as makeKey, foldIn, isPRNGKey, split } from '../rng.js';
import { type Message, Messenger } from '../runtime.js';

/**
 * Gives every site that needs randomness and has no value yet a fresh key split off its own.
 * Reads `type`, `value`, `key`, `args`; writes `key`. Plate subsample sites get a key derived
 * from the plate's name, so a plate entered twice in one run draws the same indices.
 */
export class SeedMessenger extends Messenger {
  private key: PRNGKey;

  constructor(private readonly baseKey: PRNGKey) {
    super();
    this.key = baseKey;
  }

  override process(msg: Message): void {
    if (msg.value !== null || msg.key !== null) return;
    if (msg.type === 'plate') {
      if (msg.args.needsKey) msg.key = foldIn(this.baseKey, msg.args.keyTag as number);
      return;
    }
    const needsKey = msg.type === 'sample' || msg.type === 'prngKey' || (msg.type === 'param' && typeof msg.args.init === 'function');
    if (!needsKey) return;
    const [next, sub] = split(this.key);
    this.key = next!;
    msg.key = sub!;
  }
}

export function toKey(where: string, key: PRNGKey | number): PRNGKey {
  if (typeof key === 'number') return makeKey(key);
  if (!isPRNGKey(key)) throw new ValueError(`${where}: expected a PRNGKey or an integer seed, got ${JSON.stringify(key)}`);
  return key;
}

/** Runs fn with randomness drawn from `key` (or an integer seed); the same key gives the same draws. */
export function seed<A extends unknown[], R>(fn: (...args: A) => R, key: PRNGKey | number): (...args: A) => R {
  const k = toKey('handlers.seed', key);
  return (...args: A) => new SeedMessenger(k).run(fn, ...args);
}
