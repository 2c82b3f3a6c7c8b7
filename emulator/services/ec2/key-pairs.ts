/** Key pairs (stored by name). DeleteKeyPair by name is idempotent, as in EC2; by an unknown id it is an error. */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import type {
  CreateKeyPairCommandInput,
  CreateKeyPairCommandOutput,
  DeleteKeyPairCommandInput,
  DeleteKeyPairCommandOutput,
  DescribeKeyPairsCommandInput,
  DescribeKeyPairsCommandOutput,
  ImportKeyPairCommandInput,
  ImportKeyPairCommandOutput,
  KeyPairInfo,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import { resourceId } from "../../core/ids.ts";
import type { OpHandler } from "../../core/types.ts";
import { checkIdFormat, requireParam, tagsFor } from "./common.ts";
import { applyFilters } from "./filters.ts";
import { ec2State, type StoredKeyPair } from "./state.ts";

export const describeKeyPairs: OpHandler<DescribeKeyPairsCommandInput, DescribeKeyPairsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  let keys: StoredKeyPair[] = Object.values(state.keyPairs);
  if (input.KeyNames?.length) {
    const missing = input.KeyNames.filter((n) => !state.keyPairs[n]);
    if (missing.length)
      throw new AwsError(
        "InvalidKeyPair.NotFound",
        `The key pair${missing.length > 1 ? "s" : ""} '${missing.join(", ")}' ${missing.length > 1 ? "do" : "does"} not exist`,
      );
    keys = keys.filter((k) => input.KeyNames?.includes(k.KeyName ?? ""));
  }
  if (input.KeyPairIds?.length) {
    checkIdFormat(input.KeyPairIds, "key", "InvalidKeyPair.Malformed");
    const missing = input.KeyPairIds.filter((id) => !keys.some((k) => k.KeyPairId === id));
    if (missing.length)
      throw new AwsError(
        "InvalidKeyPair.NotFound",
        `The key pair${missing.length > 1 ? "s" : ""} '${missing.join(", ")}' ${missing.length > 1 ? "do" : "does"} not exist`,
      );
    keys = keys.filter((k) => input.KeyPairIds?.includes(k.KeyPairId ?? ""));
  }
  keys = applyFilters(keys, input.Filters, {
    "key-name": (k) => k.KeyName,
    "key-pair-id": (k) => k.KeyPairId,
    fingerprint: (k) => k.KeyFingerprint,
    "key-type": (k) => k.KeyType,
  });
  const shown = keys.map(({ PublicKey, ...k }) => (input.IncludePublicKey ? { ...k, PublicKey } : k));
  return { KeyPairs: shown as KeyPairInfo[] };
};

export const deleteKeyPair: OpHandler<DeleteKeyPairCommandInput, DeleteKeyPairCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  if (!input.KeyName && !input.KeyPairId) throw new AwsError("MissingParameter", "The request must contain the parameter KeyName or KeyPairId");
  let key: StoredKeyPair | undefined;
  if (input.KeyPairId) {
    checkIdFormat([input.KeyPairId], "key", "InvalidKeyPair.Malformed");
    key = Object.values(state.keyPairs).find((k) => k.KeyPairId === input.KeyPairId);
    if (!key) throw new AwsError("InvalidKeyPair.NotFound", `The key pair '${input.KeyPairId}' does not exist`);
  } else key = state.keyPairs[input.KeyName ?? ""];
  if (key) delete state.keyPairs[key.KeyName ?? ""];
  return { Return: true, KeyPairId: key?.KeyPairId };
};

/** OpenSSH wire encoding: length-prefixed strings and two's-complement big-endian integers. */
function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function sshMpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString(v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

/** "ssh-rsa AAAA…" / "ssh-ed25519 AAAA…" for a public key. */
function openSshPublicKey(pub: KeyObject): { type: "rsa" | "ed25519"; line: string; blob: Buffer } {
  const jwk = pub.export({ format: "jwk" });
  if (jwk.kty === "RSA") {
    const blob = Buffer.concat([
      sshString(Buffer.from("ssh-rsa")),
      sshMpint(Buffer.from(jwk.e ?? "", "base64url")),
      sshMpint(Buffer.from(jwk.n ?? "", "base64url")),
    ]);
    return { type: "rsa", line: `ssh-rsa ${blob.toString("base64")}`, blob };
  }
  const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(Buffer.from(jwk.x ?? "", "base64url"))]);
  return { type: "ed25519", line: `ssh-ed25519 ${blob.toString("base64")}`, blob };
}

const colonHex = (b: Buffer) => b.toString("hex").match(/../g)?.join(":") ?? "";

/** ed25519 fingerprints are the base64 SHA-256 of the public key blob, as EC2 shows them. */
const ed25519Fingerprint = (blob: Buffer) => createHash("sha256").update(blob).digest("base64");

/** The public key an OpenSSH line names, or undefined when it is not one EC2 accepts. */
function parseOpenSsh(text: string): KeyObject | undefined {
  const [type, b64] = text.trim().split(/\s+/);
  if ((type !== "ssh-rsa" && type !== "ssh-ed25519") || !b64) return undefined;
  const blob = Buffer.from(b64, "base64");
  const fields: Buffer[] = [];
  for (let off = 0; off + 4 <= blob.length; ) {
    const len = blob.readUInt32BE(off);
    fields.push(blob.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  if (fields[0]?.toString() !== type) return undefined;
  try {
    if (type === "ssh-rsa")
      return createPublicKey({ key: { kty: "RSA", e: fields[1].toString("base64url"), n: fields[2].toString("base64url") }, format: "jwk" });
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: fields[1].toString("base64url") }, format: "jwk" });
  } catch {
    return undefined;
  }
}

function checkNewName(state: ReturnType<typeof ec2State>, name: string | undefined): string {
  const keyName = requireParam(name, "KeyName");
  if (keyName.length > 255) throw new AwsError("InvalidParameterValue", "Value for parameter KeyName is too long");
  if (state.keyPairs[keyName]) throw new AwsError("InvalidKeyPair.Duplicate", `The keypair '${keyName}' already exists.`);
  return keyName;
}

export const createKeyPair: OpHandler<CreateKeyPairCommandInput, CreateKeyPairCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const name = checkNewName(state, input.KeyName);
  const type = input.KeyType ?? "rsa";
  if (type !== "rsa" && type !== "ed25519") throw new AwsError("InvalidParameterValue", `Value (${type}) for parameter KeyType is invalid.`);
  if (input.KeyFormat && input.KeyFormat !== "pem" && input.KeyFormat !== "ppk") {
    throw new AwsError("InvalidParameterValue", `Value (${input.KeyFormat}) for parameter KeyFormat is invalid.`);
  }
  const tags = tagsFor(input.TagSpecifications, "key-pair");
  const pair = type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ed25519");
  const ssh = openSshPublicKey(pair.publicKey);
  // RSA: EC2 gives the SHA-1 of the PKCS#8 private key for keys it created.
  const fingerprint =
    type === "rsa"
      ? colonHex(
          createHash("sha1")
            .update(pair.privateKey.export({ type: "pkcs8", format: "der" }))
            .digest(),
        )
      : ed25519Fingerprint(ssh.blob);
  const material = String(pair.privateKey.export({ type: type === "rsa" ? "pkcs1" : "pkcs8", format: "pem" })).trimEnd();
  const id = resourceId("key");
  state.keyPairs[name] = {
    KeyPairId: id,
    KeyName: name,
    KeyFingerprint: fingerprint,
    KeyType: type,
    CreateTime: ctx.time.toISOString(),
    Tags: tags ?? [],
    PublicKey: `${ssh.line} ${name}`,
  };
  return { KeyPairId: id, KeyName: name, KeyFingerprint: fingerprint, KeyMaterial: material, Tags: tags };
};

export const importKeyPair: OpHandler<ImportKeyPairCommandInput, ImportKeyPairCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const name = checkNewName(state, input.KeyName);
  const raw = Buffer.from(requireParam(input.PublicKeyMaterial, "PublicKeyMaterial")).toString("utf8");
  const pub = parseOpenSsh(raw);
  if (!pub) throw new AwsError("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
  const tags = tagsFor(input.TagSpecifications, "key-pair");
  const ssh = openSshPublicKey(pub);
  // Imported RSA keys: the MD5 of the DER public key.
  const fingerprint =
    ssh.type === "rsa"
      ? colonHex(
          createHash("md5")
            .update(pub.export({ type: "spki", format: "der" }))
            .digest(),
        )
      : ed25519Fingerprint(ssh.blob);
  const id = resourceId("key");
  const comment = raw.trim().split(/\s+/).slice(2).join(" ");
  state.keyPairs[name] = {
    KeyPairId: id,
    KeyName: name,
    KeyFingerprint: fingerprint,
    KeyType: ssh.type,
    CreateTime: ctx.time.toISOString(),
    Tags: tags ?? [],
    PublicKey: comment ? `${ssh.line} ${comment}` : ssh.line,
  };
  return { KeyPairId: id, KeyName: name, KeyFingerprint: fingerprint, Tags: tags };
};
