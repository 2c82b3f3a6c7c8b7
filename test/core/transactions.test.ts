/**
 * One transaction path: every writer goes through runtime.transact (serialized, committed only when state changed,
 * undone from memory on failure), and every call — unimplemented ones included — is journaled.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CreateSecurityGroupCommand, DescribeHostsCommand, DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { objectsOf } from "../../emulator/services/s3/object-store.ts";
import { type InProcessRange, startInProcess } from "../../sdk-shim/index.ts";

let range: InProcessRange;
beforeEach(async () => {
  range = await startInProcess({ scenario: "basic", clock: new Date("2026-03-01T12:00:00Z") });
});
afterEach(async () => {
  await range?.close();
});

const onDisk = () => JSON.parse(readFileSync(join(range.emulator.runtime.stateDir, "state.json"), "utf8"));

describe("runtime.transact", () => {
  it("commits a change, and writes nothing when nothing changed", async () => {
    const rt = range.emulator.runtime;
    const before = rt.store.writes;
    await rt.transact(() => {
      rt.global<{ n: number }>(rt.accountId, "probe", () => ({ n: 0 })).n = 1;
    });
    expect(rt.store.writes).toBe(before + 1);
    expect(onDisk().accounts[rt.accountId].global.probe).toEqual({ n: 1 });
    await rt.transact(() => {
      rt.global<{ n: number }>(rt.accountId, "probe", () => ({ n: 0 })).n = 1;
    });
    expect(rt.store.writes).toBe(before + 1);
  });

  it("undoes a failed writer's changes and keeps the writer's before it, in memory and on disk", async () => {
    const rt = range.emulator.runtime;
    const probe = () => rt.global<{ a?: number; b?: number }>(rt.accountId, "probe", () => ({}));
    const first = rt.transact(async () => {
      probe().a = 1;
    });
    const second = rt.transact(async () => {
      probe().b = 2;
      throw new Error("boom");
    });
    await first;
    await expect(second).rejects.toThrow("boom");
    expect(probe()).toEqual({ a: 1 });
    expect(onDisk().accounts[rt.accountId].global.probe).toEqual({ a: 1 });
  });

  it("runs writers one at a time, in the order they arrived", async () => {
    const rt = range.emulator.runtime;
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = rt.transact(async () => {
      order.push("slow start");
      await gate;
      order.push("slow end");
    });
    const fast = rt.transact(() => {
      order.push("fast");
    });
    await Promise.resolve();
    release();
    await Promise.all([slow, fast]);
    expect(order).toEqual(["slow start", "slow end", "fast"]);
  });
});

describe("calls through the dispatcher", () => {
  it("a read-only call never rewrites state.json; a failing write leaves it as it was", async () => {
    const rt = range.emulator.runtime;
    const ec2 = new EC2Client(range.config());
    const before = rt.store.writes;
    await ec2.send(new DescribeInstancesCommand({}));
    expect(rt.store.writes).toBe(before);
    const text = readFileSync(join(rt.stateDir, "state.json"), "utf8");
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: "quarantine", Description: "no traffic", VpcId: "vpc-0a1b2c3d4e5f60001" }));
    expect(rt.store.writes).toBe(before + 1);
    await expect(ec2.send(new CreateSecurityGroupCommand({ GroupName: "quarantine", Description: "again", VpcId: "vpc-0a1b2c3d4e5f60001" }))).rejects.toThrow(
      /already exists/,
    );
    expect(rt.store.writes).toBe(before + 1);
    expect(readFileSync(join(rt.stateDir, "state.json"), "utf8")).not.toBe(text);
  });

  it("Security Hub's GetFindings records control results once, then writes nothing while nothing changes", async () => {
    const rt = range.emulator.runtime;
    const sh = new SecurityHubClient(range.config());
    await sh.send(new EnableSecurityHubCommand({}));
    await sh.send(new GetFindingsCommand({}));
    const after = rt.store.writes;
    await sh.send(new GetFindingsCommand({}));
    await sh.send(new GetFindingsCommand({ MaxResults: 5 }));
    expect(rt.store.writes).toBe(after);
  });

  it("an operation the range does not implement fails at once and is journaled with its error", async () => {
    const ec2 = new EC2Client(range.config());
    const err = await ec2.send(new DescribeHostsCommand({})).catch((e: Error) => e);
    expect(err).toMatchObject({ name: "InvalidAction" });
    expect((err as Error).message).toMatch(/DescribeHosts is not implemented by ir-range/);
    const rec = range.emulator.runtime.journal.read(range.emulator.runtime.journal.length - 1);
    expect(rec).toMatchObject({ eventName: "DescribeHosts", eventSource: "ec2.amazonaws.com", errorCode: "Client.InvalidAction" });
  });

  it("an Athena query's result object and its SUCCEEDED state are committed together", async () => {
    const rt = range.emulator.runtime;
    const athena = new AthenaClient(range.config());
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({ QueryString: "SELECT 1 AS one", ResultConfiguration: { OutputLocation: "s3://basic-evidence/results/" } }),
    );
    let state = "QUEUED";
    for (let i = 0; i < 400 && (state === "QUEUED" || state === "RUNNING"); i++) {
      const got = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      state = got.QueryExecution?.Status?.State ?? "";
      if (state === "QUEUED" || state === "RUNNING") await new Promise((r) => setImmediate(r));
    }
    expect(state).toBe("SUCCEEDED");
    // A writer that fails afterwards is undone without taking the query's object with it.
    await expect(rt.transact(() => Promise.reject(new Error("later failure")))).rejects.toThrow();
    expect(objectsOf(rt).head(rt.accountId, "basic-evidence", `results/${QueryExecutionId}.csv`)).toBeDefined();
    const bucket = onDisk().accounts[rt.accountId].global.s3.buckets["basic-evidence"];
    expect(Object.keys(bucket.objects)).toEqual(expect.arrayContaining([`results/${QueryExecutionId}.csv`, `results/${QueryExecutionId}.csv.metadata`]));
  });
});

describe("one wire adapter", () => {
  it("an in-process streamed PutObject stores the body, not the aws-chunked framing", async () => {
    const s3 = new S3Client(range.config());
    await s3.send(
      new PutObjectCommand({
        Bucket: "basic-evidence",
        Key: "streamed.txt",
        Body: Readable.from([Buffer.from("hello "), Buffer.from("world")]),
        ContentLength: 11,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: "basic-evidence", Key: "streamed.txt" }));
    expect(await got.Body?.transformToString()).toBe("hello world");
  });
});
