/** Trino's date format patterns (MySQL's for date_format/date_parse, Joda's for format_datetime/parse_datetime) → strftime's. */

const MYSQL: Record<string, string> = {
  a: "%a",
  b: "%b",
  c: "%-m",
  D: "%-d",
  d: "%d",
  e: "%-d",
  f: "%f",
  H: "%H",
  h: "%I",
  I: "%I",
  i: "%M",
  j: "%j",
  k: "%-H",
  l: "%-I",
  M: "%B",
  m: "%m",
  p: "%p",
  r: "%I:%M:%S %p",
  S: "%S",
  s: "%S",
  T: "%H:%M:%S",
  v: "%V",
  W: "%A",
  w: "%w",
  x: "%G",
  Y: "%Y",
  y: "%y",
  "%": "%%",
};

export function mysqlToStrftime(f: string): string {
  return f.replace(/%(.)/g, (_m, c: string) => MYSQL[c] ?? c);
}

const JODA: [RegExp, string][] = [
  [/^yyyy+/, "%Y"],
  [/^yy/, "%y"],
  [/^y/, "%Y"],
  [/^MMMM+/, "%B"],
  [/^MMM/, "%b"],
  [/^MM/, "%m"],
  [/^M/, "%-m"],
  [/^dd/, "%d"],
  [/^d/, "%-d"],
  [/^DDD/, "%j"],
  [/^HH/, "%H"],
  [/^H/, "%-H"],
  [/^hh/, "%I"],
  [/^h/, "%-I"],
  [/^mm/, "%M"],
  [/^m/, "%-M"],
  [/^ss/, "%S"],
  [/^s/, "%-S"],
  [/^SSSSSS+/, "%f"],
  [/^S+/, "%g"],
  [/^a/, "%p"],
  [/^EEEE+/, "%A"],
  [/^E+/, "%a"],
  [/^Z+/, "%z"],
  [/^z+/, "%Z"],
];

export function jodaToStrftime(f: string): string {
  let out = "";
  let i = 0;
  while (i < f.length) {
    if (f[i] === "'") {
      const end = f.indexOf("'", i + 1);
      const lit = f.slice(i + 1, end < 0 ? f.length : end);
      out += lit === "" ? "'" : lit.replaceAll("%", "%%");
      i = end < 0 ? f.length : end + 1;
      continue;
    }
    const rest = f.slice(i);
    const hit = JODA.find(([re]) => re.test(rest));
    if (hit) {
      const m = hit[0].exec(rest) as RegExpExecArray;
      out += hit[1];
      i += m[0].length;
    } else {
      out += f[i] === "%" ? "%%" : f[i];
      i++;
    }
  }
  return out;
}
