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
