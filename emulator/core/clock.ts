/** The emulator's clock: real time, optionally offset so that a test sees the same history every run. */
export class Clock {
  private offsetMs: number;

  constructor(start?: Date) {
    this.offsetMs = start ? start.getTime() - Date.now() : 0;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /**
   * Moves emulator time forward (instance transitions finish, sessions expire, trail deliveries fall due) without
   * waiting: tests advance the clock instead of sleeping.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`the clock only moves forward (got ${ms} ms)`);
    this.offsetMs += ms;
  }
}

/**
 * A clock that stands still until moved: a scenario build sets it to each timeline event's time, so that what the
 * range records depends on the timeline alone, never on how long the build took.
 */
export class ManualClock extends Clock {
  private at: number;

  constructor(start: Date) {
    super(start);
    this.at = start.getTime();
  }

  override now(): Date {
    return new Date(this.at);
  }

  override advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`the clock only moves forward (got ${ms} ms)`);
    this.at += ms;
  }

  /** Moves to `time`, never back. */
  set(time: Date): void {
    this.advance(time.getTime() - this.at);
  }
}
