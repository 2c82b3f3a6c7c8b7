/**
 * Names users choose key the state (IAM users and policies, Glue databases…): "constructor", "valueOf", "toString"
 * and "__proto__" are names like any other. Found by the fuzz suite: they reached Object.prototype's members
 * (500s, an empty <User/>, and a TagUser that wrote onto Object.prototype).
 */
import { GetDatabaseCommand, GetTablesCommand, GlueClient } from "@aws-sdk/client-glue";
import {
  CreateUserCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  TagUserCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

const NAMES = ["constructor", "valueOf", "toString", "hasOwnProperty", "__proto__"];

describe("names that are Object.prototype members", () => {
  it("are unknown until created, then users like any other, and Object.prototype is untouched", async () => {
    const iam = new IAMClient(server.sdk());
    for (const name of NAMES) {
      await expect(iam.send(new GetUserCommand({ UserName: name })), name).rejects.toMatchObject({ name: "NoSuchEntityException" });
      await expect(iam.send(new ListAccessKeysCommand({ UserName: name })), name).rejects.toMatchObject({ name: "NoSuchEntityException" });
    }
    for (const name of NAMES) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      expect((await iam.send(new GetUserCommand({ UserName: name }))).User?.UserName).toBe(name);
      await iam.send(new TagUserCommand({ UserName: name, Tags: [{ Key: "k", Value: name }] }));
      await expect(iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: "__proto__" }))).rejects.toMatchObject({ name: "NoSuchEntityException" });
    }
    const listed = (await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName);
    expect(listed).toEqual(expect.arrayContaining(NAMES));
    expect(Object.hasOwn(Object.prototype, "Tags")).toBe(false);
    expect(({} as Record<string, unknown>).Tags).toBeUndefined();
  });

  it("name no Glue database or table", async () => {
    const glue = new GlueClient(server.sdk());
    for (const name of NAMES) {
      await expect(glue.send(new GetDatabaseCommand({ Name: name })), name).rejects.toMatchObject({ name: "EntityNotFoundException" });
      await expect(glue.send(new GetTablesCommand({ DatabaseName: name })), name).rejects.toMatchObject({ name: "EntityNotFoundException" });
    }
  });
});
