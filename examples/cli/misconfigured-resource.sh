#!/usr/bin/env bash
# The misconfigured-resource investigation, containment with SSM Automation and remediation, with the real aws CLI
# (see misconfigured-resource.md). Run against a started range with its export lines in the environment:
#   npx ir-range start --scenario misconfigured-resource     # in one shell
#   eval "$(npx ir-range env --scenario misconfigured-resource)" && bash examples/cli/misconfigured-resource.sh
# It prints the answers it finds (as answers.yaml lines at the end) and leaves the account contained.
set -euo pipefail
export AWS_PAGER=""
REGION=ap-northeast-1
# How often to ask an automation how it is doing (seconds).
POLL_SECONDS=${POLL_SECONDS:-5}
step() { printf '\n== %s\n' "$*"; }
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)

step "1. GuardDuty: what was flagged, worst first"
DET=$(aws guardduty list-detectors --query 'DetectorIds[0]' --output text)
FINDINGS=$(mktemp)
aws guardduty get-findings --detector-id "$DET" \
  --finding-ids $(aws guardduty list-findings --detector-id "$DET" --query FindingIds --output text) >"$FINDINGS"
jq -r '.Findings | sort_by(-.Severity)[] | [.Severity, .Type, (.Resource.InstanceDetails.InstanceId // .Resource.AccessKeyDetails.AccessKeyId)] | @tsv' "$FINDINGS"
of_type() { jq -r --arg t "$1" ".Findings[] | select(.Type == \$t) | $2" "$FINDINGS" | head -n1; }
INSTANCE=$(of_type UnauthorizedAccess:EC2/SSHBruteForce .Resource.InstanceDetails.InstanceId)
SSH_IP=$(of_type UnauthorizedAccess:EC2/SSHBruteForce .Service.Action.NetworkConnectionAction.RemoteIpDetails.IpAddressV4)
KEY=$(of_type UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS .Resource.AccessKeyDetails.AccessKeyId)
ROLE=$(of_type UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS .Resource.AccessKeyDetails.UserName)
CREDS_IP=$(of_type UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS .Service.Action.AwsApiCallAction.RemoteIpDetails.IpAddressV4)
POOL=$(of_type 'CryptoCurrency:EC2/BitcoinTool.B!DNS' .Service.Action.DnsRequestAction.Domain)
echo "instance $INSTANCE: SSH brute force from $SSH_IP, mining pool $POOL"
echo "role $ROLE: key $KEY used from $CREDS_IP"

step "2. the instance, and the Security Hub controls that fail for it and its security group"
read -r SG PUBLIC_IP TOKENS < <(aws ec2 describe-instances --instance-ids "$INSTANCE" \
  --query 'Reservations[0].Instances[0].[SecurityGroups[0].GroupId,PublicIpAddress,MetadataOptions.HttpTokens]' --output text)
echo "security group $SG, public address $PUBLIC_IP, IMDS HttpTokens $TOKENS"
aws securityhub get-findings --filters "{\"ComplianceStatus\":[{\"Value\":\"FAILED\",\"Comparison\":\"EQUALS\"}],\"RecordState\":[{\"Value\":\"ACTIVE\",\"Comparison\":\"EQUALS\"}],\"ResourceId\":[{\"Value\":\"arn:aws:ec2:$REGION:$ACCOUNT:instance/$INSTANCE\",\"Comparison\":\"EQUALS\"},{\"Value\":\"arn:aws:ec2:$REGION:$ACCOUNT:security-group/$SG\",\"Comparison\":\"EQUALS\"}]}" \
  --query 'Findings[].[Compliance.SecurityControlId,Severity.Label,Title]' --output text | sort
CONTROLS=$(aws securityhub get-findings --filters "{\"ComplianceStatus\":[{\"Value\":\"FAILED\",\"Comparison\":\"EQUALS\"}],\"RecordState\":[{\"Value\":\"ACTIVE\",\"Comparison\":\"EQUALS\"}],\"ResourceId\":[{\"Value\":\"arn:aws:ec2:$REGION:$ACCOUNT:instance/$INSTANCE\",\"Comparison\":\"EQUALS\"},{\"Value\":\"arn:aws:ec2:$REGION:$ACCOUNT:security-group/$SG\",\"Comparison\":\"EQUALS\"}]}" \
  --query 'Findings[].Compliance.SecurityControlId' --output text | tr '\t' '\n' | sort -u | paste -sd, -)
echo "the port-22 rules, and how SSH is set up on the instance (its user data):"
aws ec2 describe-security-groups --group-ids "$SG" --query 'SecurityGroups[0].IpPermissions[?FromPort==`22`].IpRanges[]' --output text
aws ec2 describe-instance-attribute --instance-id "$INSTANCE" --attribute userData --query UserData.Value --output text | base64 -d | grep -E 'ssh_pwauth|name:|password'

step "3. CloudTrail: who opened port 22 to the internet"
read -r OPENED_AT OPENED_BY < <(aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AuthorizeSecurityGroupIngress \
  --query 'Events[].CloudTrailEvent' --output json | jq -r '.[] | fromjson | select([.requestParameters.ipPermissions | (.items? // .)[] | select(.fromPort <= 22 and 22 <= .toPort)
    | (.ipRanges | (.items? // .))[] | select(.cidrIp == "0.0.0.0/0")] | length > 0) | [.eventTime, .userIdentity.userName] | @tsv' | head -n1)
echo "opened by $OPENED_BY at $OPENED_AT"

step "4. CloudTrail: the stolen key's calls (and how EC2 delivered it: ec2RoleDelivery)"
# IAM is a global service: its events are in us-east-1's event history, the others in the region's.
for r in $REGION us-east-1; do
  aws cloudtrail lookup-events --region "$r" --lookup-attributes "AttributeKey=AccessKeyId,AttributeValue=$KEY" --query 'Events[].CloudTrailEvent' --output json
done | jq -rs 'add | map(fromjson) | sort_by(.eventTime)[] | [.eventTime, .sourceIPAddress, .eventName, (.errorCode // "-"), .userIdentity.sessionContext.ec2RoleDelivery] | @tsv' >"$FINDINGS.key"
grep -v -F "$PUBLIC_IP" "$FINDINGS.key" || true
FIRST_OUTSIDE=$(grep -F "$CREDS_IP" "$FINDINGS.key" | head -n1 | cut -f1)
DELIVERY=$(head -n1 "$FINDINGS.key" | cut -f5)
echo "first used from outside at $FIRST_OUTSIDE; ec2RoleDelivery $DELIVERY (1.0 = IMDSv1)"
aws iam list-attached-role-policies --role-name "$ROLE" --query 'AttachedPolicies[].PolicyName' --output text

step "5. the trail's log files of that day: what the key read from S3 (data events are not in LookupEvents)"
LOGS=$(mktemp -d)
DAY=$(cut -c1-10 <<<"$FIRST_OUTSIDE" | tr - /)
aws s3 sync "s3://tsubame-cloudtrail-$ACCOUNT/AWSLogs/$ACCOUNT/CloudTrail/$REGION/$DAY/" "$LOGS" --only-show-errors
OBJECTS=$(find "$LOGS" -name '*.json.gz' -exec gzip -dc {} + | jq -r --arg k "$KEY" '.Records[] | select(.userIdentity.accessKeyId == $k and .eventName == "GetObject") | "s3://\(.requestParameters.bucketName)/\(.requestParameters.key)"' | sort -u)
echo "$OBJECTS"

step "5b. the flow logs after the login: where the instance connected to"
PRIVATE_IP=$(aws ec2 describe-instances --instance-ids "$INSTANCE" --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)
FLOWS=$(mktemp -d)
# The files from the first guess to an hour after the last SSH traffic (their names carry the delivery time,
# YYYYMMDDTHHmmZ, so an --include per hour).
INCLUDES=()
while IFS= read -r pattern; do INCLUDES+=("$pattern"); done < <(jq -r '.Findings[] | select(.Type == "UnauthorizedAccess:EC2/SSHBruteForce") | .Service
  | [.EventFirstSeen, .EventLastSeen] | map(sub("\\.[0-9]+Z$"; "Z") | fromdate) | range(.[0] - .[0] % 3600; .[1] + 3600; 3600)
  | "--include=*_\(strftime("%Y%m%dT%H"))*"' "$FINDINGS")
aws s3 sync "s3://tsubame-vpc-flow-logs-$ACCOUNT/AWSLogs/$ACCOUNT/vpcflowlogs/$REGION/" "$FLOWS" \
  --exclude '*' "${INCLUDES[@]}" --only-show-errors
# Records: version account eni srcaddr dstaddr srcport dstport protocol packets bytes start end action status.
# Connections the instance opened (an ephemeral source port), by destination, oldest first.
find "$FLOWS" -name '*.log.gz' -exec gzip -dc {} + | jq -Rrs --arg ip "$PRIVATE_IP" 'split("\n") | map(split(" "))
  | map(select(length == 14 and .[3] == $ip and (.[5] | tonumber) > 1023)) | group_by("\(.[4]):\(.[6])")
  | map(min_by(.[10] | tonumber)) | sort_by(.[10] | tonumber)[] | "\(.[10] | tonumber | todate) \(.[4]):\(.[6])"' >"$FLOWS.out"
cat "$FLOWS.out"
DROP_IP=$(head -n1 "$FLOWS.out" | cut -d' ' -f2 | cut -d: -f1)

step "6. preserve: snapshot the instance's volumes before changing anything on it"
aws ec2 create-snapshots --instance-specification "InstanceId=$INSTANCE" --copy-tags-from-source volume \
  --description "IR: $INSTANCE before containment" --query 'Snapshots[].SnapshotId' --output text

step "7. isolate with SSM Automation (AWSSupport-ContainEC2Instance)"
aws ssm describe-instance-information --filters "Key=InstanceIds,Values=$INSTANCE" --query 'InstanceInformationList[].[InstanceId,PingStatus]' --output text
AUTOMATION_ROLE=arn:aws:iam::$ACCOUNT:role/ir-automation
wait_for() {
  local status
  while :; do
    status=$(aws ssm get-automation-execution --automation-execution-id "$1" --query AutomationExecution.AutomationExecutionStatus --output text)
    case "$status" in
      Success) echo "$2: $status"; return 0 ;;
      Failed | Cancelled | TimedOut) echo "$2: $status" >&2; return 1 ;;
    esac
    sleep "$POLL_SECONDS"
  done
}
CONTAIN=$(aws ssm start-automation-execution --document-name AWSSupport-ContainEC2Instance --parameters "{
    \"InstanceId\": [\"$INSTANCE\"], \"Action\": [\"Contain\"], \"DryRun\": [\"false\"], \"CreateAMIBackup\": [\"true\"],
    \"AutomationAssumeRole\": [\"$AUTOMATION_ROLE\"], \"BackupS3BucketAccess\": [\"arn:aws:iam::$ACCOUNT:user/ir-responder\"],
    \"TagIdentifier\": [\"Key=ir-status,Value=contained\"]}" --query AutomationExecutionId --output text)
wait_for "$CONTAIN" AWSSupport-ContainEC2Instance
aws ec2 describe-instances --instance-ids "$INSTANCE" --query 'Reservations[0].Instances[0].SecurityGroups[].GroupName' --output text

step "8. revoke the stolen credentials: deny the role's sessions issued before now"
NOW=$(aws ssm get-automation-execution --automation-execution-id "$CONTAIN" --query AutomationExecution.ExecutionEndTime --output text)
aws iam put-role-policy --role-name "$ROLE" --policy-name AWSRevokeOlderSessions --policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"$NOW\"}}}]}"

step "9. remediate the failing controls with the ASR runbooks: EC2.8 (IMDSv2) and EC2.19 (SSH open to the internet)"
IMDS=$(aws ssm start-automation-execution --document-name ASR-EnableIMDSV2OnInstance \
  --parameters "AutomationAssumeRole=$AUTOMATION_ROLE,InstanceARN=arn:aws:ec2:$REGION:$ACCOUNT:instance/$INSTANCE" \
  --query AutomationExecutionId --output text)
PORTS=$(aws ssm start-automation-execution --document-name ASR-DisableUnrestrictedAccessToHighRiskPorts \
  --parameters "AutomationAssumeRole=$AUTOMATION_ROLE,SecurityGroupId=$SG" --query AutomationExecutionId --output text)
wait_for "$IMDS" ASR-EnableIMDSV2OnInstance
wait_for "$PORTS" ASR-DisableUnrestrictedAccessToHighRiskPorts

step "10. least privilege: the API only reads its assets bucket"
aws iam put-role-policy --role-name "$ROLE" --policy-name read-tracking-assets --policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::tsubame-tracking-assets-$ACCOUNT\",\"arn:aws:s3:::tsubame-tracking-assets-$ACCOUNT/*\"]}]}"
aws iam detach-role-policy --role-name "$ROLE" --policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess
aws iam list-attached-role-policies --role-name "$ROLE" --query 'AttachedPolicies[].PolicyName' --output text

step "11. the answers found (answers.yaml)"
cat <<EOF
affected-instance: $INSTANCE
ssh-attacker-ip: $SSH_IP
entry-method: ssh-password-brute-force
failing-controls: $CONTROLS
ssh-opened-by: $OPENED_BY
ssh-opened-time: $OPENED_AT
stolen-key: $KEY
credential-ip: $CREDS_IP
drop-host-ip: $DROP_IP
exfiltrated-objects: $(paste -sd, - <<<"$OBJECTS")
mining-domain: $POOL
first-outside-call-time: $FIRST_OUTSIDE
EOF
rm -rf "$LOGS" "$FLOWS" "$FLOWS.out" "$FINDINGS" "$FINDINGS.key"
