/** Secutter's streams: the shared PRNG with seeds under "secutter/", as the recording has always drawn them. */
import { Rng as SeededRng } from "../../../emulator/scenario/prng.ts";

export class Rng extends SeededRng {
  constructor(seed: string) {
    super(`secutter/${seed}`);
  }
}
