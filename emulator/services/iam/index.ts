import { importExternal } from "../../core/external.ts";
import type { ServiceDefinition } from "../../core/service.ts";
import type { CredentialResolver } from "../../state/runtime.ts";
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
import { addUserToGroup, createGroup, deleteGroup, getGroup, listGroups, listGroupsForUser, removeUserFromGroup } from "./groups.ts";
import * as inline from "./inline.ts";
import * as policies from "./policies.ts";
import * as roles from "./roles.ts";
import { iamStateOf } from "./state.ts";
import * as users from "./users.ts";

/** Access keys of IAM users sign requests while they are Active. */
const resolveUserKey: CredentialResolver = (runtime, accessKeyId) => {
  const found = users.findAccessKey(iamStateOf(runtime, runtime.accountId), accessKeyId);
  if (!found) return undefined;
  const { user, key } = found;
  return {
    accessKeyId,
    secretAccessKey: key.SecretAccessKey,
    active: key.Status === "Active",
    principal: { type: "IAMUser", accountId: runtime.accountId, arn: user.Arn ?? "", principalId: user.UserId ?? "", userName: user.UserName },
  };
};

/** A user's key that signed a request records when, where and for which service, as GetAccessKeyLastUsed shows. */
const noteKeyUse: ServiceDefinition["noteKeyUse"] = (runtime, accessKeyId, use) => {
  if (!accessKeyId.startsWith("AKIA")) return;
  const found = users.findAccessKey(iamStateOf(runtime, runtime.accountId), accessKeyId);
  if (found) found.key.LastUsed = { LastUsedDate: use.time.toISOString(), ServiceName: use.serviceName, Region: use.region };
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
  handlers: {
    // users and their credentials
    ListUsers: users.listUsers,
    GetUser: users.getUser,
    CreateUser: users.createUser,
    DeleteUser: users.deleteUser,
    ListAccessKeys: users.listAccessKeys,
    CreateAccessKey: users.createAccessKey,
    UpdateAccessKey: users.updateAccessKey,
    DeleteAccessKey: users.deleteAccessKey,
    GetAccessKeyLastUsed: users.getAccessKeyLastUsed,
    GetLoginProfile: users.getLoginProfile,
    DeleteLoginProfile: users.deleteLoginProfile,
    ListMFADevices: users.listMFADevices,
    DeactivateMFADevice: users.deactivateMFADevice,
    ListSigningCertificates: users.listSigningCertificates,
    ListSSHPublicKeys: users.listSSHPublicKeys,
    ListServiceSpecificCredentials: users.listServiceSpecificCredentials,
    TagUser: users.tagUser,
    UntagUser: users.untagUser,
    ListUserTags: users.listUserTags,
    PutUserPermissionsBoundary: users.putUserPermissionsBoundary,
    DeleteUserPermissionsBoundary: users.deleteUserPermissionsBoundary,
    // groups
    ListGroups: listGroups,
    GetGroup: getGroup,
    CreateGroup: createGroup,
    DeleteGroup: deleteGroup,
    ListGroupsForUser: listGroupsForUser,
    AddUserToGroup: addUserToGroup,
    RemoveUserFromGroup: removeUserFromGroup,
    // roles and instance profiles
    ListRoles: roles.listRoles,
    GetRole: roles.getRole,
    CreateRole: roles.createRole,
    DeleteRole: roles.deleteRole,
    UpdateRole: roles.updateRole,
    UpdateAssumeRolePolicy: roles.updateAssumeRolePolicy,
    TagRole: roles.tagRole,
    UntagRole: roles.untagRole,
    ListRoleTags: roles.listRoleTags,
    PutRolePermissionsBoundary: roles.putRolePermissionsBoundary,
    DeleteRolePermissionsBoundary: roles.deleteRolePermissionsBoundary,
    ListInstanceProfiles: roles.listInstanceProfiles,
    GetInstanceProfile: roles.getInstanceProfile,
    ListInstanceProfilesForRole: roles.listInstanceProfilesForRole,
    CreateInstanceProfile: roles.createInstanceProfile,
    DeleteInstanceProfile: roles.deleteInstanceProfile,
    AddRoleToInstanceProfile: roles.addRoleToInstanceProfile,
    RemoveRoleFromInstanceProfile: roles.removeRoleFromInstanceProfile,
    // inline policies
    PutUserPolicy: inline.putUserPolicy,
    GetUserPolicy: inline.getUserPolicy,
    DeleteUserPolicy: inline.deleteUserPolicy,
    ListUserPolicies: inline.listUserPolicies,
    PutRolePolicy: inline.putRolePolicy,
    GetRolePolicy: inline.getRolePolicy,
    DeleteRolePolicy: inline.deleteRolePolicy,
    ListRolePolicies: inline.listRolePolicies,
    PutGroupPolicy: inline.putGroupPolicy,
    GetGroupPolicy: inline.getGroupPolicy,
    DeleteGroupPolicy: inline.deleteGroupPolicy,
    ListGroupPolicies: inline.listGroupPolicies,
    // managed policies
    ListPolicies: policies.listPolicies,
    GetPolicy: policies.getPolicy,
    CreatePolicy: policies.createPolicy,
    DeletePolicy: policies.deletePolicy,
    ListPolicyVersions: policies.listPolicyVersions,
    GetPolicyVersion: policies.getPolicyVersion,
    CreatePolicyVersion: policies.createPolicyVersion,
    DeletePolicyVersion: policies.deletePolicyVersion,
    SetDefaultPolicyVersion: policies.setDefaultPolicyVersion,
    AttachUserPolicy: policies.attachUserPolicy,
    AttachRolePolicy: policies.attachRolePolicy,
    AttachGroupPolicy: policies.attachGroupPolicy,
    DetachUserPolicy: policies.detachUserPolicy,
    DetachRolePolicy: policies.detachRolePolicy,
    DetachGroupPolicy: policies.detachGroupPolicy,
    ListAttachedUserPolicies: policies.listAttachedUserPolicies,
    ListAttachedRolePolicies: policies.listAttachedRolePolicies,
    ListAttachedGroupPolicies: policies.listAttachedGroupPolicies,
    ListEntitiesForPolicy: policies.listEntitiesForPolicy,
    // account
    GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
    GenerateCredentialReport: generateCredentialReport,
    GetCredentialReport: getCredentialReport,
    GetAccountSummary: getAccountSummary,
    ListAccountAliases: listAccountAliases,
    GetAccountPasswordPolicy: getAccountPasswordPolicy,
    DeleteAccountPasswordPolicy: deleteAccountPasswordPolicy,
    ListVirtualMFADevices: listVirtualMFADevices,
  },
};
