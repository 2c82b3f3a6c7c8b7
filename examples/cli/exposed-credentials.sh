#!/usr/bin/env bash
# The exposed-credentials investigation and containment with the real aws CLI, step by step (see exposed-credentials.md).
# Run against a started range with its export lines in the environment:
#   npx ir-range start --scenario exposed-credentials      # in one shell; paste the export lines into another, then
#   bash examples/cli/exposed-credentials.sh
# `bash examples/cli/exposed-credentials.sh contain` runs the containment alone (steps 10-12), with what the
# investigation found given as OWNER, EXPOSED_KEY, ROLE, BACKDOOR and BACKDOOR_KEY in the environment.
set -euo pipefail
export AWS_PAGER=""
HOME_REGION=ap-northeast-1
REGIONS="ap-northeast-1 us-east-1 us-west-2"
step() { printf '\n== %s\n' "$*"; }
# One field of CloudTrail records (the CloudTrailEvent strings lookup-events returns), one line per record.
field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }
# CLI v1 prints lookup-events' EventTime as epoch seconds (v2 as ISO 8601): ISO 8601 either way, first column.
when() { while IFS=$'\t' read -r t rest; do case $t in *[!0-9.]*) ;; *) t=$(date -u -d "@${t%.*}" +%Y-%m-%dT%H:%M:%SZ) ;; esac; printf '%s\t%s\n' "$t" "$rest"; done; }

if [ "${1:-all}" != contain ]; then
step "1. who am I"
aws sts get-caller-identity --query Arn --output text

step "2. GuardDuty in every region: what it raised, worst first"
for region in $REGIONS; do
  DET=$(aws guardduty list-detectors --region "$region" --query 'DetectorIds[0]' --output text)
  IDS=$(aws guardduty list-findings --region "$region" --detector-id "$DET" \
    --sort-criteria AttributeName=severity,OrderBy=DESC --query FindingIds --output text)
  echo "-- $region"
  aws guardduty get-findings --region "$region" --detector-id "$DET" --finding-ids $IDS \
    --query 'Findings[].[Severity,Type,Resource.AccessKeyDetails.UserName||Resource.InstanceDetails.InstanceId,Service.Count]' \
    --output text | sort -rn
done

step "3. the disabling action, in the event history of the trail's home region"
STOP_EVENT=$(aws cloudtrail lookup-events --region "$HOME_REGION" \
  --lookup-attributes AttributeKey=EventName,AttributeValue=StopLogging --query 'Events[0].CloudTrailEvent' --output text)
STOPPED_AT=$(echo "$STOP_EVENT" | field eventTime)
SESSION_KEY=$(echo "$STOP_EVENT" | field accessKeyId)
SESSION_ARN=$(echo "$STOP_EVENT" | field arn | head -1)
SESSION_NAME=${SESSION_ARN##*/}
ROLE=$(echo "$STOP_EVENT" | field arn | grep ':role/' | cut -d/ -f2)
ISSUED_AT=$(echo "$STOP_EVENT" | field creationDate)
INTRUDER_IP=$(echo "$STOP_EVENT" | field sourceIPAddress)
echo "StopLogging at $STOPPED_AT by $SESSION_ARN (key $SESSION_KEY, issued $ISSUED_AT) from $INTRUDER_IP"
aws cloudtrail get-trail-status --region "$HOME_REGION" --name management-events --query IsLogging --output text

step "4. where that session came from: the AssumeRole at the moment its key was issued"
read -r EXPOSED_KEY OWNER < <(aws cloudtrail lookup-events --region "$HOME_REGION" \
  --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRole \
  --start-time "$ISSUED_AT" --end-time "$(date -u -d "$ISSUED_AT + 1 second" +%Y-%m-%dT%H:%M:%SZ)" \
  --query "Events[?contains(CloudTrailEvent, '\"$SESSION_NAME\"')] | [0].[AccessKeyId,Username]" --output text)
echo "session issued to $OWNER's long-term key $EXPOSED_KEY"
aws iam list-mfa-devices --user-name "$OWNER" --query 'length(MFADevices)' --output text
aws iam list-access-keys --user-name "$OWNER" --query 'AccessKeyMetadata[].[AccessKeyId,Status]' --output text

step "5. every use of the exposed key (three days, every region): who called from where"
SINCE=$(date -u -d "$STOPPED_AT - 3 days" +%Y-%m-%dT%H:%M:%SZ)
for region in $REGIONS; do
  aws cloudtrail lookup-events --region "$region" --start-time "$SINCE" \
    --lookup-attributes "AttributeKey=AccessKeyId,AttributeValue=$EXPOSED_KEY" --query 'Events[].CloudTrailEvent' --output text
done | field sourceIPAddress | sort | uniq -c | sort -rn
echo "first use from outside the office:"
for region in $REGIONS; do
  aws cloudtrail lookup-events --region "$region" --start-time "$SINCE" \
    --lookup-attributes "AttributeKey=AccessKeyId,AttributeValue=$EXPOSED_KEY" --query 'Events[].CloudTrailEvent' --output text
done | grep -o '"eventTime":"[^"]*","eventSource":"[^"]*","eventName":"[^"]*","awsRegion":"[^"]*","sourceIPAddress":"[^"]*"' \
  | grep -v '"192.0.2.10"' | sort | head -3

step "6. what the intruder's devRole sessions did, in every region (the event history has it all)"
for region in $REGIONS; do
  echo "-- $region"
  aws cloudtrail lookup-events --region "$region" --start-time "$SINCE" \
    --lookup-attributes "AttributeKey=Username,AttributeValue=$SESSION_NAME" \
    --query 'reverse(Events)[].[EventTime,EventName,AccessKeyId]' --output text | when
done

step "7. the data it read: S3 data events are only in the trail's files, written until the logging stopped"
DAY=$(echo "$STOPPED_AT" | cut -c1-10 | tr - /)
LOGS=$(mktemp -d)
aws s3 sync "s3://minato-cloudtrail-270834561290/AWSLogs/270834561290/CloudTrail/$HOME_REGION/$DAY/" "$LOGS" --only-show-errors
ls "$LOGS" | tail -2
zcat "$LOGS"/*.json.gz | grep -o '"eventName":"GetObject"[^}]*"sourceIPAddress":"'"$INTRUDER_IP"'"[^}]*"key":"[^"]*"' | field key

step "8. what it left behind: a user with a key, created after the logging stopped"
aws cloudtrail lookup-events --region us-east-1 --start-time "$SINCE" \
  --lookup-attributes AttributeKey=EventName,AttributeValue=CreateUser \
  --query "Events[?contains(CloudTrailEvent, '$INTRUDER_IP')].Resources[0].ResourceName" --output text
BACKDOOR=$(aws cloudtrail lookup-events --region us-east-1 --start-time "$SINCE" \
  --lookup-attributes AttributeKey=EventName,AttributeValue=CreateUser \
  --query "Events[?contains(CloudTrailEvent, '$INTRUDER_IP')] | [0].Resources[0].ResourceName" --output text)
aws iam list-attached-user-policies --user-name "$BACKDOOR" --query 'AttachedPolicies[].PolicyName' --output text
aws iam list-access-keys --user-name "$BACKDOOR" --query 'AccessKeyMetadata[].[AccessKeyId,Status]' --output text
BACKDOOR_KEY=$(aws iam list-access-keys --user-name "$BACKDOOR" --query 'AccessKeyMetadata[0].AccessKeyId' --output text)
for region in $REGIONS; do
  aws cloudtrail lookup-events --region "$region" \
    --lookup-attributes "AttributeKey=AccessKeyId,AttributeValue=$BACKDOOR_KEY" --query 'Events[].CloudTrailEvent' --output text
done | field sourceIPAddress | sort -u

step "9. the instances it launched, and what they run"
for region in $REGIONS; do
  aws ec2 describe-instances --region "$region" --filters Name=key-name,Values=aws-ops \
    --query 'Reservations[].Instances[].[InstanceId,InstanceType,State.Name,Placement.AvailabilityZone]' --output text
done
MINER=$(aws ec2 describe-instances --region us-east-1 --filters Name=key-name,Values=aws-ops \
  --query 'Reservations[0].Instances[0].InstanceId' --output text)
aws ec2 describe-instance-attribute --region us-east-1 --instance-id "$MINER" --attribute userData \
  --query UserData.Value --output text | base64 -d | grep -o -- '-o [^ ]*:[0-9]*'
aws ec2 describe-instance-attribute --region us-east-1 --instance-id "$MINER" --attribute disableApiTermination \
  --query DisableApiTermination.Value --output text
aws iam list-attached-role-policies --role-name "$ROLE" --query 'AttachedPolicies[].PolicyName' --output text

fi

step "10. contain: the exposed key, the role's sessions, the backdoor"
aws iam update-access-key --user-name "$OWNER" --access-key-id "$EXPOSED_KEY" --status Inactive
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
aws iam put-role-policy --role-name "$ROLE" --policy-name AWSRevokeOlderSessions --policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"$NOW\"}}}]}"
aws iam detach-role-policy --role-name "$ROLE" --policy-arn arn:aws:iam::aws:policy/IAMFullAccess
aws iam update-access-key --user-name "$BACKDOOR" --access-key-id "$BACKDOOR_KEY" --status Inactive
aws iam delete-access-key --user-name "$BACKDOOR" --access-key-id "$BACKDOOR_KEY"
aws iam detach-user-policy --user-name "$BACKDOOR" --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
aws iam delete-user --user-name "$BACKDOOR"

step "11. contain: preserve the instances' volumes, then terminate them; close their door"
for region in us-east-1 us-west-2; do
  IDS=$(aws ec2 describe-instances --region "$region" --filters Name=key-name,Values=aws-ops \
    Name=instance-state-name,Values=pending,running,stopping,stopped --query 'Reservations[].Instances[].InstanceId' --output text)
  for vol in $(aws ec2 describe-volumes --region "$region" --filters "Name=attachment.instance-id,Values=$(echo $IDS | tr ' ' ,)" \
      --query 'Volumes[].VolumeId' --output text); do
    aws ec2 create-snapshot --region "$region" --volume-id "$vol" --description "IR evidence: exposed-credentials" \
      --query SnapshotId --output text
  done
  for id in $IDS; do
    aws ec2 modify-instance-attribute --region "$region" --instance-id "$id" --no-disable-api-termination
  done
  aws ec2 terminate-instances --region "$region" --instance-ids $IDS --query 'TerminatingInstances[].CurrentState.Name' --output text
  for sg in $(aws ec2 describe-security-groups --region "$region" --filters Name=group-name,Values=default-ssh \
      --query 'SecurityGroups[].GroupId' --output text); do
    aws ec2 revoke-security-group-ingress --region "$region" --group-id "$sg" --protocol tcp --port 22 --cidr 0.0.0.0/0 \
      --query Return --output text
  done
  aws ec2 delete-key-pair --region "$region" --key-name aws-ops --query Return --output text
done

step "12. logging back on"
aws cloudtrail start-logging --region "$HOME_REGION" --name management-events
aws cloudtrail get-trail-status --region "$HOME_REGION" --name management-events --query IsLogging --output text
echo "done: now run  npx ir-range replay-attacker --scenario exposed-credentials  and  npx ir-range grade --scenario exposed-credentials --answers answers.yaml"
