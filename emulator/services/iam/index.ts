import type { IAM } from "@aws-sdk/client-iam";
import { importExternal } from "../../core/external.ts";
import type { CredentialResolver } from "../../core/runtime.ts";
import { type OperationsOf, read, type ServiceDefinition, write } from "../../core/service.ts";
import {
  deleteAccountPasswordPolicy,
  generateCredentialReport,
  getAccountAuthorizationDetails,
  getAccountPasswordPolicy,
  getAccountSummary,
  getCredentialReport,
  listAccountAliases,
  listVirtualMFADevices,
} from "./account.ts";
import { simulateCustomPolicy, simulatePrincipalPolicy } from "./authorization/simulate.ts";
import { iamAuthorization } from "./authz.ts";
import { addUserToGroup, createGroup, deleteGroup, getGroup, listGroups, listGroupsForUser, removeUserFromGroup } from "./groups.ts";
import * as inline from "./inline.ts";
import { keyUseLifecycle, noteKeyUse } from "./key-use.ts";
import * as policies from "./policies.ts";
import * as roles from "./roles.ts";
import { iamStateOf } from "./state.ts";
import * as users from "./users.ts";

/** Access keys of IAM users sign requests while they are Active. */
const resolveUserKey: CredentialResolver = (runtime, accessKeyId) => {
  const found = users.findAccessKey(iamStateOf(runtime, runtime.accountId), accessKeyId);
  const secretAccessKey = found?.key.SecretAccessKey;
  if (!found || !secretAccessKey) return undefined;
  const { user, key } = found;
  return {
    accessKeyId,
    secretAccessKey,
    active: key.Status === "Active",
    principal: { type: "IAMUser", accountId: runtime.accountId, arn: user.Arn ?? "", principalId: user.UserId ?? "", userName: user.UserName },
  };
};

const operations: OperationsOf<IAM> = {
  // users and their credentials
  ListUsers: read(users.listUsers),
  GetUser: read(users.getUser),
  CreateUser: write(users.createUser),
  DeleteUser: write(users.deleteUser),
  ListAccessKeys: read(users.listAccessKeys),
  CreateAccessKey: write(users.createAccessKey),
  UpdateAccessKey: write(users.updateAccessKey),
  DeleteAccessKey: write(users.deleteAccessKey),
  GetAccessKeyLastUsed: read(users.getAccessKeyLastUsed),
  GetLoginProfile: read(users.getLoginProfile),
  DeleteLoginProfile: write(users.deleteLoginProfile),
  ListMFADevices: read(users.listMFADevices),
  DeactivateMFADevice: write(users.deactivateMFADevice),
  ListSigningCertificates: read(users.listSigningCertificates),
  ListSSHPublicKeys: read(users.listSSHPublicKeys),
  ListServiceSpecificCredentials: read(users.listServiceSpecificCredentials),
  TagUser: write(users.tagUser),
  UntagUser: write(users.untagUser),
  ListUserTags: read(users.listUserTags),
  PutUserPermissionsBoundary: write(users.putUserPermissionsBoundary),
  DeleteUserPermissionsBoundary: write(users.deleteUserPermissionsBoundary),
  // groups
  ListGroups: read(listGroups),
  GetGroup: read(getGroup),
  CreateGroup: write(createGroup),
  DeleteGroup: write(deleteGroup),
  ListGroupsForUser: read(listGroupsForUser),
  AddUserToGroup: write(addUserToGroup),
  RemoveUserFromGroup: write(removeUserFromGroup),
  // roles and instance profiles
  ListRoles: read(roles.listRoles),
  GetRole: read(roles.getRole),
  CreateRole: write(roles.createRole),
  DeleteRole: write(roles.deleteRole),
  UpdateRole: write(roles.updateRole),
  UpdateAssumeRolePolicy: write(roles.updateAssumeRolePolicy),
  TagRole: write(roles.tagRole),
  UntagRole: write(roles.untagRole),
  ListRoleTags: read(roles.listRoleTags),
  PutRolePermissionsBoundary: write(roles.putRolePermissionsBoundary),
  DeleteRolePermissionsBoundary: write(roles.deleteRolePermissionsBoundary),
  ListInstanceProfiles: read(roles.listInstanceProfiles),
  GetInstanceProfile: read(roles.getInstanceProfile),
  ListInstanceProfilesForRole: read(roles.listInstanceProfilesForRole),
  CreateInstanceProfile: write(roles.createInstanceProfile),
  DeleteInstanceProfile: write(roles.deleteInstanceProfile),
  AddRoleToInstanceProfile: write(roles.addRoleToInstanceProfile),
  RemoveRoleFromInstanceProfile: write(roles.removeRoleFromInstanceProfile),
  // inline policies
  PutUserPolicy: write(inline.putUserPolicy),
  GetUserPolicy: read(inline.getUserPolicy),
  DeleteUserPolicy: write(inline.deleteUserPolicy),
  ListUserPolicies: read(inline.listUserPolicies),
  PutRolePolicy: write(inline.putRolePolicy),
  GetRolePolicy: read(inline.getRolePolicy),
  DeleteRolePolicy: write(inline.deleteRolePolicy),
  ListRolePolicies: read(inline.listRolePolicies),
  PutGroupPolicy: write(inline.putGroupPolicy),
  GetGroupPolicy: read(inline.getGroupPolicy),
  DeleteGroupPolicy: write(inline.deleteGroupPolicy),
  ListGroupPolicies: read(inline.listGroupPolicies),
  // managed policies
  ListPolicies: read(policies.listPolicies),
  GetPolicy: read(policies.getPolicy),
  CreatePolicy: write(policies.createPolicy),
  DeletePolicy: write(policies.deletePolicy),
  ListPolicyVersions: read(policies.listPolicyVersions),
  GetPolicyVersion: read(policies.getPolicyVersion),
  CreatePolicyVersion: write(policies.createPolicyVersion),
  DeletePolicyVersion: write(policies.deletePolicyVersion),
  SetDefaultPolicyVersion: write(policies.setDefaultPolicyVersion),
  AttachUserPolicy: write(policies.attachUserPolicy),
  AttachRolePolicy: write(policies.attachRolePolicy),
  AttachGroupPolicy: write(policies.attachGroupPolicy),
  DetachUserPolicy: write(policies.detachUserPolicy),
  DetachRolePolicy: write(policies.detachRolePolicy),
  DetachGroupPolicy: write(policies.detachGroupPolicy),
  ListAttachedUserPolicies: read(policies.listAttachedUserPolicies),
  ListAttachedRolePolicies: read(policies.listAttachedRolePolicies),
  ListAttachedGroupPolicies: read(policies.listAttachedGroupPolicies),
  ListEntitiesForPolicy: read(policies.listEntitiesForPolicy),
  // account
  SimulatePrincipalPolicy: read(simulatePrincipalPolicy),
  SimulateCustomPolicy: read(simulateCustomPolicy),
  GetAccountAuthorizationDetails: read(getAccountAuthorizationDetails),
  GenerateCredentialReport: write(generateCredentialReport),
  GetCredentialReport: read(getCredentialReport),
  GetAccountSummary: read(getAccountSummary),
  ListAccountAliases: read(listAccountAliases),
  GetAccountPasswordPolicy: read(getAccountPasswordPolicy),
  DeleteAccountPasswordPolicy: write(deleteAccountPasswordPolicy),
  ListVirtualMFADevices: read(listVirtualMFADevices),
};

export const iam: ServiceDefinition = {
  id: "iam",
  signingName: "iam",
  endpointPrefix: "iam",
  protocol: "awsQuery",
  xmlNamespace: "https://iam.amazonaws.com/doc/2010-05-08/",
  version: "2010-05-08",
  global: true,
  eventSource: "iam.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-iam"),
  resolveCredential: resolveUserKey,
  noteKeyUse,
  lifecycle: keyUseLifecycle,
  authorization: iamAuthorization,
  operations,
};
