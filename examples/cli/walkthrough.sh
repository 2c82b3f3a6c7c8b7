#!/usr/bin/env bash
# The secutter investigation and containment with the real aws CLI, step by step (see walkthrough.md).
# Run against a started range with its export lines in the environment:  bash examples/cli/walkthrough.sh
set -euo pipefail
export AWS_PAGER=""
HOME_REGION=ap-northeast-1
step() { printf '\n== %s\n' "$*"; }

step "1. who am I"
aws sts get-caller-identity --query Arn --output text

step "2. GuardDuty: high-severity findings"
DET=$(aws guardduty list-detectors --query 'DetectorIds[0]' --output text)
EXFIL=$(aws guardduty list-findings --detector-id "$DET" \
  --finding-criteria '{"Criterion":{"type":{"Eq":["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"]}}}' \
  --query 'FindingIds[0]' --output text)
read -r KEY ROLE ATTACKER < <(aws guardduty get-findings --detector-id "$DET" --finding-ids "$EXFIL" \
  --query 'Findings[0].[Resource.AccessKeyDetails.AccessKeyId,Resource.AccessKeyDetails.UserName,Service.Action.AwsApiCallAction.RemoteIpDetails.IpAddressV4]' \
  --output text)
echo "stolen key $KEY of role $ROLE, used from $ATTACKER"

step "2b. Security Hub: the failed controls that explain it"
aws securityhub get-findings \
  --filters '{"ComplianceStatus":[{"Value":"FAILED","Comparison":"EQUALS"}],"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}],"SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"},{"Value":"HIGH","Comparison":"EQUALS"}]}' \
  --query 'Findings[].[Compliance.SecurityControlId,Resources[0].Id]' --output text

step "3. CloudTrail: the stolen key's calls, oldest first"
aws cloudtrail lookup-events --lookup-attributes "AttributeKey=AccessKeyId,AttributeValue=$KEY" \
  --query 'reverse(Events)[:5].[EventTime,EventName]' --output text

step "4. resources: the miners and how they were started"
for region in ap-northeast-1 us-east-1; do
  aws ec2 describe-instances --region "$region" --filters Name=key-name,Values=miner-key \
    --query 'Reservations[].Instances[].[InstanceId,InstanceType,State.Name]' --output text
done
MINER=$(aws ec2 describe-instances --region us-east-1 --filters Name=key-name,Values=miner-key \
  --query 'Reservations[0].Instances[0].InstanceId' --output text)
aws ec2 describe-instance-attribute --region us-east-1 --instance-id "$MINER" --attribute userData \
  --query UserData.Value --output text | base64 -d | grep -E 'curl|pool' || true
aws iam list-attached-role-policies --role-name "$ROLE" --query 'AttachedPolicies[].PolicyName' --output text

step "5. the way in: the SSRF line in the nginx logs"
LOGS=$(mktemp -d)
aws s3 sync s3://secutter-ir-evidence/nginx/ "$LOGS" --exclude 'error*' --only-show-errors
{ zcat -f "$LOGS"/access.log* 2>/dev/null || true; } | grep 169.254.169.254 | grep ' 200 ' | sed -n '1,3p'

step "6. contain: preserve, revoke, harden, remove"
for region in ap-northeast-1 us-east-1; do
  for vol in $(aws ec2 describe-instances --region "$region" --filters Name=key-name,Values=miner-key \
      --query 'Reservations[].Instances[].BlockDeviceMappings[].Ebs.VolumeId' --output text); do
    aws ec2 create-snapshot --region "$region" --volume-id "$vol" --description "IR evidence" --query SnapshotId --output text
  done
done
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
aws iam put-role-policy --role-name "$ROLE" --policy-name AWSRevokeOlderSessions --policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"$NOW\"}}}]}"
aws iam detach-role-policy --role-name "$ROLE" --policy-arn arn:aws:iam::aws:policy/AmazonEC2FullAccess
WEB=$(aws ec2 describe-instances --filters "Name=iam-instance-profile.arn,Values=*/$ROLE" \
  --query 'Reservations[0].Instances[0].InstanceId' --output text)
aws ec2 modify-instance-metadata-options --instance-id "$WEB" --http-tokens required --query InstanceMetadataOptions.HttpTokens --output text
for region in ap-northeast-1 us-east-1; do
  IDS=$(aws ec2 describe-instances --region "$region" --filters Name=key-name,Values=miner-key \
    --query 'Reservations[].Instances[].InstanceId' --output text)
  aws ec2 terminate-instances --region "$region" --instance-ids $IDS --query 'TerminatingInstances[].CurrentState.Name' --output text
  for sg in $(aws ec2 describe-security-groups --region "$region" --filters Name=group-name,Values=launch-wizard-1 \
      --query 'SecurityGroups[].GroupId' --output text); do
    aws ec2 revoke-security-group-ingress --region "$region" --group-id "$sg" --protocol tcp --port 22 --cidr 0.0.0.0/0 --query Return --output text
  done
  aws ec2 delete-key-pair --region "$region" --key-name miner-key --query Return --output text
done

step "7. archive what was handled"
for region in ap-northeast-1 us-east-1; do
  D=$(aws guardduty list-detectors --region "$region" --query 'DetectorIds[0]' --output text)
  IDS=$(aws guardduty list-findings --region "$region" --detector-id "$D" --query FindingIds --output text)
  [ -n "$IDS" ] && aws guardduty archive-findings --region "$region" --detector-id "$D" --finding-ids $IDS
done
echo "done: now run  npx ir-range grade --answers answers.yaml"
