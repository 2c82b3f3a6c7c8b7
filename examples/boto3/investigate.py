#!/usr/bin/env python3
"""A first look at the range from boto3: who am I, what runs where, what GuardDuty says, what CloudTrail saw.

Run against a started range (`npm start`, then paste its export lines):

    python3 examples/boto3/investigate.py

boto3 reads AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION like the CLI.
"""
import json
import os
import sys

import boto3
from botocore.config import Config

config = Config(retries={"max_attempts": 1})
session = boto3.Session(region_name=os.environ.get("AWS_DEFAULT_REGION", "ap-northeast-1"))

identity = session.client("sts", config=config).get_caller_identity()
print(f"caller: {identity['Arn']} (account {identity['Account']})")

regions = sys.argv[1:] or [session.region_name, "us-east-1"]
for region in dict.fromkeys(regions):
    ec2 = session.client("ec2", region_name=region, config=config)
    for page in ec2.get_paginator("describe_instances").paginate():
        for reservation in page["Reservations"]:
            for inst in reservation["Instances"]:
                name = next((t["Value"] for t in inst.get("Tags", []) if t["Key"] == "Name"), "-")
                print(f"{region}  {inst['InstanceId']}  {inst['InstanceType']:<12} {inst['State']['Name']:<10} {name}")

    gd = session.client("guardduty", region_name=region, config=config)
    for detector in gd.list_detectors()["DetectorIds"]:
        ids = gd.list_findings(DetectorId=detector, FindingCriteria={"Criterion": {"severity": {"Gte": 7}}})["FindingIds"]
        if ids:
            for f in gd.get_findings(DetectorId=detector, FindingIds=ids)["Findings"]:
                print(f"{region}  finding  {f['Severity']:>4}  {f['Type']}")

buckets = session.client("s3", config=config).list_buckets()["Buckets"]
print("buckets:", json.dumps([b["Name"] for b in buckets]))
