/**
 * Reads a scenario's timeline/ folder: every *.yaml (or *.yml, *.json) file in name order, each contributing
 * top-level sections; lists are joined, named maps merged. Every value remembers the file and line it came from, so
 * `ir-range scenario check` and the build point at the line to fix.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { timelineFiles } from "./output.ts";
import { callStep, dnsStep, flowStep, signInStep, type Timeline, timelineSchema, webStep } from "./schema.ts";

export interface Problem {
  /** "timeline/attack.yaml:42" (relative to the scenario folder), or the folder when no line applies. */
  where: string;
  message: string;
}

export class TimelineError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.where}: ${p.message}`).join("\n"));
    this.name = "TimelineError";
  }
}

const LISTS = ["network", "setup", "timeline", "background", "detections", "unmanagedInstances", "webLogs", "images"] as const;
const MAPS = ["actors", "ips", "vars", "ipInfo"] as const;
const SCALARS = ["seed", "start", "flowLogWindow", "securityHub"] as const;

/** Where each part of the merged timeline came from: "timeline.12.call.input" → "timeline/attack.yaml:42". */
export type Locator = (path: readonly (string | number)[]) => string;

export interface ReadTimeline {
  timeline: Timeline;
  where: Locator;
  files: string[];
}

interface Source {
  file: string;
  lines: LineCounter;
  node: Node | null;
}

function lineOf(src: Source, node: Node | null | undefined): string {
  const at = node?.range?.[0];
  return at === undefined ? src.file : `${src.file}:${src.lines.linePos(at).line}`;
}

/** The node at `path` below `node` (a map key or a list index at each step), as deep as it goes. */
function nodeAt(node: Node | null, path: readonly (string | number)[]): Node | null {
  let cur: Node | null = node;
  for (const [i, step] of path.entries()) {
    if (isMap(cur)) {
      const pair = cur.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) return cur;
      const value = pair.value as Node | null;
      // A block map or list as the last step: its key's line ("dev:"), not its first entry's.
      if (i === path.length - 1 && (isMap(value) || isSeq(value)) && !value.flow) return pair.key as Node;
      cur = value ?? (pair.key as Node);
    } else if (isSeq(cur) && typeof step === "number") {
      const item = cur.items[step] as Node | undefined;
      if (!item) return cur;
      cur = item;
    } else return cur;
  }
  return cur;
}

/**
 * The field as the author sees it in the file the line points at: "call.input" for a step (the merged list's index
 * means nothing in the file), "actors.dev.user" for a named entry.
 */
function fieldOf(path: PropertyKey[]): string {
  const [section, item, ...rest] = path.map(String);
  if (section === undefined) return "(root)";
  if ((LISTS as readonly string[]).includes(section) && item !== undefined) return rest.length ? rest.join(".") : `this ${section} entry`;
  return path.map(String).join(".");
}

const STEP_KINDS = { call: callStep, flow: flowStep, dns: dnsStep, signIn: signInStep, web: webStep } as const;

/**
 * A step that matched no kind: judged as the kind its key names (a step with `call` is a call step), so the message
 * says which field is wrong rather than "Invalid input".
 */
function stepIssues(path: PropertyKey[], merged: Record<string, unknown>): { path: PropertyKey[]; message: string }[] {
  const item = path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), merged);
  const kind = item && typeof item === "object" ? Object.keys(STEP_KINDS).find((k) => k in (item as object)) : undefined;
  if (!kind) return [{ path, message: `a step needs one of ${Object.keys(STEP_KINDS).join(", ")}` }];
  const r = STEP_KINDS[kind as keyof typeof STEP_KINDS].safeParse(item);
  return r.success ? [{ path, message: "invalid step" }] : r.error.issues.map((i) => ({ path: [...path, ...i.path], message: i.message }));
}

export function readTimeline(dir: string): ReadTimeline {
  const files = timelineFiles(dir);
  const problems: Problem[] = [];
  if (files.length === 0)
    throw new TimelineError([{ where: relative(process.cwd(), join(dir, "timeline")) || "timeline", message: "no timeline files (*.yaml)" }]);
  const merged: Record<string, unknown> = {};
  // For a merged list item or map entry: which file and which path in it.
  const origins = new Map<string, { src: Source; path: (string | number)[] }>();
  for (const file of files) {
    const lines = new LineCounter();
    const text = readFileSync(file, "utf8");
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const src: Source = { file: relative(dir, file), lines, node: doc.contents };
    // The first error of a file: YAML's parser reports every token after it too, which says nothing more.
    for (const e of doc.errors.slice(0, 1)) {
      problems.push({ where: `${src.file}:${lines.linePos(e.pos[0]).line}`, message: e.message.split("\n")[0] });
    }
    if (doc.errors.length) continue;
    const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (data === null || data === undefined) continue;
    if (typeof data !== "object" || Array.isArray(data)) {
      problems.push({ where: lineOf(src, doc.contents), message: "a timeline file is a map of sections (seed, actors, timeline, …)" });
      continue;
    }
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      if ((LISTS as readonly string[]).includes(key)) {
        if (!Array.isArray(value)) {
          problems.push({ where: lineOf(src, nodeAt(src.node, [key])), message: `${key} must be a list` });
          continue;
        }
        merged[key] ??= [];
        const list = merged[key] as unknown[];
        value.forEach((v, i) => {
          origins.set(`${key}.${list.length}`, { src, path: [key, i] });
          list.push(v);
        });
      } else if ((MAPS as readonly string[]).includes(key)) {
        if (!value || typeof value !== "object" || Array.isArray(value)) {
          problems.push({ where: lineOf(src, nodeAt(src.node, [key])), message: `${key} must be a map of names` });
          continue;
        }
        merged[key] ??= {};
        const map = merged[key] as Record<string, unknown>;
        for (const [name, v] of Object.entries(value)) {
          if (name in map) {
            const first = origins.get(`${key}.${name}`);
            problems.push({
              where: lineOf(src, nodeAt(src.node, [key, name])),
              message: `${key}.${name} is defined twice${first ? ` (first at ${lineOf(first.src, nodeAt(first.src.node, first.path))})` : ""}`,
            });
            continue;
          }
          origins.set(`${key}.${name}`, { src, path: [key, name] });
          map[name] = v;
        }
      } else if ((SCALARS as readonly string[]).includes(key)) {
        if (key in merged) problems.push({ where: lineOf(src, nodeAt(src.node, [key])), message: `${key} is set in more than one file` });
        origins.set(key, { src, path: [key] });
        merged[key] = value;
      } else {
        origins.set(key, { src, path: [key] });
        merged[key] = value;
      }
    }
  }
  const where: Locator = (path) => {
    if (path.length === 0) return "timeline/";
    const head = path.length > 1 ? `${path[0]}.${path[1]}` : String(path[0]);
    const o = origins.get(head) ?? origins.get(String(path[0]));
    if (!o) return "timeline/";
    const rest = origins.has(head) ? path.slice(2) : path.slice(1);
    return lineOf(o.src, nodeAt(o.src.node, [...o.path, ...rest]));
  };
  if (problems.length) throw new TimelineError(problems);
  const parsed = timelineSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i) => (i.code === "invalid_union" ? stepIssues(i.path, merged) : [i]));
    throw new TimelineError(issues.map((i) => ({ where: where(i.path as (string | number)[]), message: `${fieldOf(i.path)}: ${i.message}` })));
  }
  return { timeline: parsed.data, where, files };
}
