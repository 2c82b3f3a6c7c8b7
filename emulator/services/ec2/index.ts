import type { EC2 } from "@aws-sdk/client-ec2";
import { importExternal } from "../../core/external.ts";
import { type OperationsOf, read, type ServiceDefinition, write } from "../../core/service.ts";
import { ec2Authorization } from "./authz.ts";
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

// Every EC2 action takes DryRun; withDryRun answers it before the handler runs.
const operations: OperationsOf<EC2> = {
  DescribeRegions: read(withDryRun(describeRegions)),
  DescribeAvailabilityZones: read(withDryRun(describeAvailabilityZones)),
  DescribeAccountAttributes: read(withDryRun(describeAccountAttributes)),
  DescribeInstances: read(withDryRun(describeInstances)),
  DescribeInstanceAttribute: read(withDryRun(describeInstanceAttribute)),
  DescribeInstanceStatus: read(withDryRun(describeInstanceStatus)),
  ModifyInstanceAttribute: write(withDryRun(modifyInstanceAttribute)),
  ModifyInstanceMetadataOptions: write(withDryRun(modifyInstanceMetadataOptions)),
  StopInstances: write(withDryRun(stopInstances)),
  StartInstances: write(withDryRun(startInstances)),
  TerminateInstances: write(withDryRun(terminateInstances)),
  RunInstances: write(withDryRun(runInstances)),
  DescribeSecurityGroups: read(withDryRun(describeSecurityGroups)),
  DescribeSecurityGroupRules: read(withDryRun(describeSecurityGroupRules)),
  CreateSecurityGroup: write(withDryRun(createSecurityGroup)),
  DeleteSecurityGroup: write(withDryRun(deleteSecurityGroup)),
  AuthorizeSecurityGroupIngress: write(withDryRun(authorizeSecurityGroupIngress)),
  AuthorizeSecurityGroupEgress: write(withDryRun(authorizeSecurityGroupEgress)),
  RevokeSecurityGroupIngress: write(withDryRun(revokeSecurityGroupIngress)),
  RevokeSecurityGroupEgress: write(withDryRun(revokeSecurityGroupEgress)),
  DescribeVolumes: read(withDryRun(describeVolumes)),
  DescribeSnapshots: read(withDryRun(describeSnapshots)),
  CreateSnapshot: write(withDryRun(createSnapshot)),
  CreateSnapshots: write(withDryRun(createSnapshots)),
  DescribeImages: read(withDryRun(describeImages)),
  CreateImage: write(withDryRun(createImage)),
  DescribeSnapshotAttribute: read(withDryRun(describeSnapshotAttribute)),
  ModifySnapshotAttribute: write(withDryRun(modifySnapshotAttribute)),
  DescribeImageAttribute: read(withDryRun(describeImageAttribute)),
  ModifyImageAttribute: write(withDryRun(modifyImageAttribute)),
  DescribeKeyPairs: read(withDryRun(describeKeyPairs)),
  DeleteKeyPair: write(withDryRun(deleteKeyPair)),
  CreateKeyPair: write(withDryRun(createKeyPair)),
  ImportKeyPair: write(withDryRun(importKeyPair)),
  DescribeNetworkInterfaces: read(withDryRun(describeNetworkInterfaces)),
  ModifyNetworkInterfaceAttribute: write(withDryRun(modifyNetworkInterfaceAttribute)),
  DescribeVpcs: read(withDryRun(describeVpcs)),
  DescribeSubnets: read(withDryRun(describeSubnets)),
  DescribeFlowLogs: read(withDryRun(describeFlowLogs)),
  DescribeIamInstanceProfileAssociations: read(withDryRun(describeIamInstanceProfileAssociations)),
  AssociateIamInstanceProfile: write(withDryRun(associateIamInstanceProfile)),
  DisassociateIamInstanceProfile: write(withDryRun(disassociateIamInstanceProfile)),
  ReplaceIamInstanceProfileAssociation: write(withDryRun(replaceIamInstanceProfileAssociation)),
  DescribeTags: read(withDryRun(describeTags)),
  CreateTags: write(withDryRun(createTags)),
  DeleteTags: write(withDryRun(deleteTags)),
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
  authorization: ec2Authorization,
  operations,
};
