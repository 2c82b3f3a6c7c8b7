/**
 * A runbook's parameters as StartAutomationExecution takes them (every value a list of strings), checked against
 * the document's definitions as Automation checks them, and the {{ }} references of its steps resolved.
 */
import { AwsError } from "../../core/errors.ts";
import type { ParameterDefinition } from "./documents.ts";

const invalid = (message: string) => new AwsError("InvalidAutomationExecutionParametersException", message);

/** An allowedPattern as a RegExp: AWS writes them for Java, whose escapes inside classes JS accepts without the u flag. */
function patternOf(p: string): RegExp | undefined {
  try {
    return new RegExp(p);
  } catch {
    try {
      return new RegExp(p, "u");
    } catch {
      return undefined;
    }
  }
}

const TYPE_PATTERNS: Partial<Record<ParameterDefinition["type"], { re: RegExp; what: string }>> = {
  "AWS::EC2::Instance::Id": { re: /^(i|mi)-[0-9a-f]{8,17}$/, what: "an Amazon EC2 instance ID" },
  "List<AWS::EC2::Instance::Id>": { re: /^(i|mi)-[0-9a-f]{8,17}$/, what: "an Amazon EC2 instance ID" },
  "AWS::IAM::Role::Arn": { re: /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, what: "an IAM role ARN" },
  "AWS::S3::Bucket::Name": { re: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, what: "an Amazon S3 bucket name" },
};

function isList(t: ParameterDefinition["type"]): boolean {
  return t === "StringList" || t === "MapList" || t === "List<AWS::EC2::Instance::Id>";
}

/** One parameter's value from its strings, typed as the steps will use it. */
function typed(name: string, def: ParameterDefinition, values: string[]): unknown {
  const one = (): string => {
    if (values.length > 1) throw invalid(`Parameter "${name}" is of type ${def.type} but has ${values.length} values.`);
    return values[0] ?? "";
  };
  switch (def.type) {
    case "Boolean": {
      const v = one();
      if (!/^(true|false)$/i.test(v)) throw invalid(`Parameter "${name}" has value "${v}" not of type Boolean.`);
      return v.toLowerCase() === "true";
    }
    case "Integer": {
      const v = one();
      if (!/^-?\d+$/.test(v)) throw invalid(`Parameter "${name}" has value "${v}" not of type Integer.`);
      return Number(v);
    }
    case "StringMap": {
      const v = one();
      try {
        const m = JSON.parse(v);
        if (m && typeof m === "object" && !Array.isArray(m)) return m;
      } catch {}
      throw invalid(`Parameter "${name}" has value "${v}" not of type StringMap.`);
    }
    case "MapList":
      return values.map((v) => {
        try {
          const m = JSON.parse(v);
          if (m && typeof m === "object" && !Array.isArray(m)) return m;
        } catch {}
        throw invalid(`Parameter "${name}" has value "${v}" not of type MapList.`);
      });
    default:
      return isList(def.type) ? [...values] : one();
  }
}

/** The strings a default gives (GetAutomationExecution shows defaults as the parameters' values). */
function defaultStrings(def: ParameterDefinition): string[] {
  const d = def.default;
  if (Array.isArray(d)) return d.map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
  if (d === undefined || d === null) return [];
  return [typeof d === "string" ? d : typeof d === "object" ? JSON.stringify(d) : String(d)];
}

function checkValue(name: string, def: ParameterDefinition, v: string): void {
  if (def.allowedValues?.length && !def.allowedValues.map(String).includes(v)) {
    throw invalid(`Parameter "${name}" has value "${v}" not found in [${def.allowedValues.map(String).join(", ")}].`);
  }
  if (def.allowedPattern) {
    const re = patternOf(def.allowedPattern);
    if (re && !re.test(v)) throw invalid(`Parameter "${name}" has value "${v}" not matching "${def.allowedPattern}".`);
  }
  const t = TYPE_PATTERNS[def.type];
  if (t && v !== "" && !t.re.test(v)) throw invalid(`Parameter "${name}" has value "${v}" which is not ${t.what}.`);
}

export interface ResolvedParameters {
  /** As GetAutomationExecution shows them: every parameter, defaults included. */
  shown: Record<string, string[]>;
  /** Typed, for the steps' {{ }} references. */
  values: Record<string, unknown>;
}

/** The request's parameters checked against the document's definitions, with defaults filled in. */
export function resolveParameters(defs: Record<string, ParameterDefinition>, given: Record<string, string[]> | undefined): ResolvedParameters {
  const input = given ?? {};
  const unknown = Object.keys(input).filter((k) => !Object.hasOwn(defs, k));
  if (unknown.length) throw invalid(`Parameter "${unknown[0]}" is not defined in the document.`);
  const shown: Record<string, string[]> = {};
  const values: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) {
    const provided = Object.hasOwn(input, name) ? input[name] : undefined;
    if (provided === undefined && def.default === undefined) throw invalid(`Missing required parameter: ${name} in user inputs.`);
    const strings = provided ?? defaultStrings(def);
    if (provided !== undefined) {
      // Each value of a list is checked on its own, as Automation checks StringList items.
      if (isList(def.type)) for (const v of strings) checkValue(name, def, v);
      else if (def.type !== "StringMap" && def.type !== "MapList") checkValue(name, def, strings[0] ?? "");
    }
    if (isList(def.type) && def.minItems !== undefined && strings.length < def.minItems) {
      throw invalid(`Parameter "${name}" must have at least ${def.minItems} items.`);
    }
    if (isList(def.type) && def.maxItems !== undefined && strings.length > def.maxItems) {
      throw invalid(`Parameter "${name}" must have at most ${def.maxItems} items.`);
    }
    shown[name] = strings;
    values[name] =
      provided === undefined && def.default !== undefined && !isList(def.type) && typeof def.default !== "string" ? def.default : typed(name, def, strings);
  }
  return { shown, values };
}

/** A {{ }} reference's value, or undefined when nothing of that name exists (yet). */
export type Lookup = (name: string) => unknown;

const WHOLE = /^\{\{\s*([\w:.-]+)\s*\}\}$/;
const ANY = /\{\{\s*([\w:.-]+)\s*\}\}/g;

function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(asText).join(",");
  return v && typeof v === "object" ? JSON.stringify(v) : String(v);
}

/**
 * A step's inputs with their references resolved: a string that is one reference takes the referenced value with its
 * type (a StringList stays a list, a Boolean a boolean); references inside longer strings are replaced by text. A
 * reference to nothing is left as written, as Automation leaves it.
 */
export function interpolate(template: unknown, lookup: Lookup): unknown {
  if (typeof template === "string") {
    const whole = WHOLE.exec(template);
    if (whole) {
      const v = lookup(whole[1]);
      return v === undefined ? template : v;
    }
    return template.replace(ANY, (m, name: string) => {
      const v = lookup(name);
      return v === undefined ? m : asText(v);
    });
  }
  if (Array.isArray(template)) {
    // A list item that resolves to a list is spread into the list (["{{ InstanceIds }}"] is the ids themselves).
    return template.flatMap((x) => {
      const v = interpolate(x, lookup);
      return typeof x === "string" && WHOLE.test(x) && Array.isArray(v) ? v : [v];
    });
  }
  if (template && typeof template === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = interpolate(v, lookup);
    return out;
  }
  return template;
}
