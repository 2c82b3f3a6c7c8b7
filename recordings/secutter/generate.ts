/** The module scenario.json names: builds the secutter recording for an anchor. */
export { generate, secutterFacts } from "./generator/index.ts";
