import { importExternal } from "../../core/external.ts";
import type { ServiceDefinition } from "../../core/service.ts";
import type { OpHandler } from "../../core/types.ts";
import { withDryRun } from "./common.ts";
import {
  associateIamInstanceProfile,
  describeIamInstanceProfileAssociations,
  disassociateIamInstanceProfile,
  replaceIamInstanceProfileAssociation,
} from "./iam-profiles.ts";
import { createImage, describeImages } from "./images.ts";
import {
  describeInstanceAttribute,
  describeInstanceStatus,
  describeInstances,
  modifyInstanceAttribute,
  modifyInstanceMetadataOptions,
  startInstances,
  stopInstances,
  terminateInstances,
} from "./instances.ts";
import { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair } from "./key-pairs.ts";
import { describeFlowLogs, describeNetworkInterfaces, describeSubnets, describeVpcs, modifyNetworkInterfaceAttribute } from "./network.ts";
import { describeAccountAttributes, describeAvailabilityZones, describeRegions } from "./regions.ts";
import { runInstances } from "./run.ts";
import {
  authorizeSecurityGroupEgress,
  authorizeSecurityGroupIngress,
  createSecurityGroup,
  deleteSecurityGroup,
  describeSecurityGroupRules,
  describeSecurityGroups,
  revokeSecurityGroupEgress,
  revokeSecurityGroupIngress,
} from "./security-groups.ts";
import { describeImageAttribute, describeSnapshotAttribute, modifyImageAttribute, modifySnapshotAttribute } from "./sharing.ts";
import { createTags, deleteTags, describeTags } from "./tags.ts";
import { createSnapshot, createSnapshots, describeSnapshots, describeVolumes } from "./volumes.ts";

const handlers: Record<string, OpHandler> = {
  DescribeRegions: describeRegions,
  DescribeAvailabilityZones: describeAvailabilityZones,
  DescribeAccountAttributes: describeAccountAttributes,
  DescribeInstances: describeInstances,
  DescribeInstanceAttribute: describeInstanceAttribute,
  DescribeInstanceStatus: describeInstanceStatus,
  ModifyInstanceAttribute: modifyInstanceAttribute,
  ModifyInstanceMetadataOptions: modifyInstanceMetadataOptions,
  StopInstances: stopInstances,
  StartInstances: startInstances,
  TerminateInstances: terminateInstances,
  RunInstances: runInstances,
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeSecurityGroupRules: describeSecurityGroupRules,
  CreateSecurityGroup: createSecurityGroup,
  DeleteSecurityGroup: deleteSecurityGroup,
  AuthorizeSecurityGroupIngress: authorizeSecurityGroupIngress,
  AuthorizeSecurityGroupEgress: authorizeSecurityGroupEgress,
  RevokeSecurityGroupIngress: revokeSecurityGroupIngress,
  RevokeSecurityGroupEgress: revokeSecurityGroupEgress,
  DescribeVolumes: describeVolumes,
  DescribeSnapshots: describeSnapshots,
  CreateSnapshot: createSnapshot,
  CreateSnapshots: createSnapshots,
  DescribeImages: describeImages,
  CreateImage: createImage,
  DescribeSnapshotAttribute: describeSnapshotAttribute,
  ModifySnapshotAttribute: modifySnapshotAttribute,
  DescribeImageAttribute: describeImageAttribute,
  ModifyImageAttribute: modifyImageAttribute,
  DescribeKeyPairs: describeKeyPairs,
  DeleteKeyPair: deleteKeyPair,
  CreateKeyPair: createKeyPair,
  ImportKeyPair: importKeyPair,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceAttribute,
  DescribeVpcs: describeVpcs,
  DescribeSubnets: describeSubnets,
  DescribeFlowLogs: describeFlowLogs,
  DescribeIamInstanceProfileAssociations: describeIamInstanceProfileAssociations,
  AssociateIamInstanceProfile: associateIamInstanceProfile,
  DisassociateIamInstanceProfile: disassociateIamInstanceProfile,
  ReplaceIamInstanceProfileAssociation: replaceIamInstanceProfileAssociation,
  DescribeTags: describeTags,
  CreateTags: createTags,
  DeleteTags: deleteTags,
};

export const ec2: ServiceDefinition = {
  id: "ec2",
  signingName: "ec2",
  endpointPrefix: "ec2",
  protocol: "ec2Query",
  xmlNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
  version: "2016-11-15",
  eventSource: "ec2.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-ec2"),
  // Every EC2 action takes DryRun; it is answered before the handler runs.
  handlers: Object.fromEntries(Object.entries(handlers).map(([op, h]) => [op, withDryRun(h)])),
};
