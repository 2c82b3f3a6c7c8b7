/** Growable lists over typed arrays: 4 or 8 bytes an entry, where a JS array of numbers takes 8 and more and is scanned by the GC. */

/** A growable list of int32 (sequence numbers, interned ids). */
export class IntList {
  data: Int32Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Int32Array(capacity);
  }

  private grow(min: number): void {
    const next = new Int32Array(Math.max(min, this.data.length * 2, 16));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }

  insertAt(i: number, v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data.copyWithin(i + 1, i, this.length);
    this.data[i] = v;
    this.length++;
  }

  /** Gives back the spare capacity once a list is built. */
  trim(): void {
    if (this.data.length > this.length + 16) this.data = this.data.slice(0, this.length);
  }
}

/** A growable list of float64 (epoch milliseconds, byte offsets past 4 GB). */
export class Float64List {
  data: Float64Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(Math.max(16, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** Gives back the spare capacity once a list is built. */
  trim(): void {
    if (this.data.length > this.length + 16) this.data = this.data.slice(0, this.length);
  }
}
