/**
 * Where a failing model or guide was when it failed: a handler that notes each site as it is
 * entered and left, so the command line can say "at sample('obs')" or "after sample('mu')"
 * for an error thrown by user code between two sites.
 */
import type { ModelFn } from '../guides/guide.js';
import { type Message, Messenger } from '../kernel/runtime.js';

export interface SitePosition {
  /** 'model' or 'guide'. */
  program: string;
  /** The site being processed, if the error came from inside one. */
  current: string | null;
  /** The last site completed before the error. */
  last: string | null;
}

const TRACKED = new Set(['sample', 'param', 'deterministic', 'plate']);

class SiteTrackerMessenger extends Messenger {
  constructor(private readonly pos: SitePosition) {
    super();
  }

  override process(msg: Message): void {
    if (TRACKED.has(msg.type)) this.pos.current = `${msg.type}('${msg.name}')`;
  }

  override postprocess(msg: Message): void {
    if (!TRACKED.has(msg.type)) return;
    this.pos.last = `${msg.type}('${msg.name}')`;
    this.pos.current = null;
  }
}

/** Follows the model and guide programs; `position` holds where the latest call was. */
export class SiteTracker {
  readonly position: SitePosition = { program: 'model', current: null, last: null };
  /** Programs running now: a guide may run the model inside itself (automatic guides do). */
  private depth = 0;

  /** `fn`, reporting its sites to this tracker. */
  wrap<F extends ModelFn>(fn: F, program: string): F {
    const pos = this.position;
    return ((...args: unknown[]) => {
      const outer = { ...pos };
      pos.program = program;
      pos.current = null;
      pos.last = null;
      this.depth++;
      let out: unknown;
      try {
        out = new SiteTrackerMessenger(pos).run(fn, ...args);
      } finally {
        this.depth--;
      }
      if (this.depth > 0) {
        // Back in the program that called this one: report its position again.
        Object.assign(pos, outer);
      } else {
        // The call completed: a later error (in the loss) is outside the program's own code.
        pos.current = null;
        pos.program = `${program} (completed)`;
      }
      return out;
    }) as F;
  }

  /** "in the model at sample('obs')", "in the guide after param('a')", or where it ended. */
  describe(): string {
    const { program, current, last } = this.position;
    if (program.endsWith('(completed)')) {
      return `after the ${program.replace(' (completed)', '')} ran${last ? ` (its last site: ${last})` : ''}, while computing the loss`;
    }
    if (current !== null) return `in the ${program} at ${current}`;
    if (last !== null) return `in the ${program} after ${last}`;
    return `in the ${program} before its first site`;
  }
}
