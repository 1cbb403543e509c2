#!/usr/bin/env bash
# Scale of the alerting and hygiene inputs: `stopguard check` on a generated
# account with many metric filters, alarms, EventBridge rules (with targets),
# flow logs, network ACLs, images and Config data, beside many instances.
# Every filter and rule pattern is judged in Rust (src/patterns.rs) once per run.
#
#   benches/alerting.sh [N]    N instances (default 5000); N/2 filters, N alarms,
#                              N/5 rules, N/10 VPCs with ACLs and flow logs
#
# Environment: STOPGUARD=path overrides the binary (default target/release/stopguard).
# No target: prints wall time and peak RSS (via /usr/bin/time when present).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-5000}"
BIN="${STOPGUARD:-target/release/stopguard}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
python3 - "$N" "$OUT" <<'PY'
import json, sys, os
n, out = int(sys.argv[1]), sys.argv[2]
acct = "111122223333"
vpcs = [f"vpc-{i:017x}" for i in range(max(1, n // 10))]
instances = [{
    "InstanceId": f"i-{i:017x}", "ImageId": f"ami-{i % 50:017x}", "InstanceType": "t3.micro",
    "State": {"Name": "running" if i % 7 else "stopped"}, "VpcId": vpcs[i % len(vpcs)],
    "Placement": {"AvailabilityZone": "us-east-1a" if i % 2 else "eu-west-1b"},
    "LaunchTime": "2025-01-01T00:00:00+00:00", "Tags": [{"Key": "Name", "Value": f"node-{i}"}],
} for i in range(n)]
json.dump({"Reservations": [{"Instances": instances}]}, open(os.path.join(out, "instances.json"), "w"))
json.dump({"Images": [{"ImageId": f"ami-{i:017x}", "CreationDate": "2024-06-01T00:00:00.000Z", "State": "available", "Name": f"img-{i}"} for i in range(0, 50, 2)]},
          open(os.path.join(out, "images.json"), "w"))
json.dump({"trailList": [{"Name": "main", "TrailARN": f"arn:aws:cloudtrail:us-east-1:{acct}:trail/main", "HomeRegion": "us-east-1",
           "IsMultiRegionTrail": True, "S3BucketName": "b", "CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{acct}:log-group:trail:*"}]},
          open(os.path.join(out, "trails.json"), "w"))
patterns = ['{ ($.eventName = StartInstances) || ($.eventName = TerminateInstances) }',
            '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
            '{ $.eventSource = s3.amazonaws.com && $.eventName = Put* }', 'ERROR ?WARN ?FATAL -DEBUG']
json.dump({"metricFilters": [{"filterName": f"f{i}", "filterPattern": patterns[i % len(patterns)], "logGroupName": "trail",
           "metricTransformations": [{"metricName": f"m{i}", "metricNamespace": "Audit", "metricValue": "1"}]} for i in range(n // 2)]},
          open(os.path.join(out, "filters.json"), "w"))
json.dump({"MetricAlarms": [{"AlarmName": f"cpu-{i}", "AlarmArn": f"arn:aws:cloudwatch:{'us-east-1' if i % 2 else 'eu-west-1'}:{acct}:alarm:cpu-{i}", "ActionsEnabled": True,
           "AlarmActions": ["arn:aws:sns:us-east-1:1:x"], "Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
           "Dimensions": [{"Name": "InstanceId", "Value": f"i-{i:017x}"}]} for i in range(0, n, 2)] +
           [{"AlarmName": f"a{i}", "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{acct}:alarm:a{i}", "Namespace": "Audit", "MetricName": f"m{i}"} for i in range(n // 2)],
           "CompositeAlarms": []}, open(os.path.join(out, "alarms.json"), "w"))
rules = [{"Name": f"r{i}", "Arn": f"arn:aws:events:us-east-1:{acct}:rule/r{i}", "State": "ENABLED", "EventBusName": "default",
          "EventPattern": json.dumps({"source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"],
                                      "detail": {"eventName": [{"anything-but": ["StopInstances", f"X{i}"]}]}})} for i in range(n // 5)]
json.dump({"Rules": rules}, open(os.path.join(out, "rules.json"), "w"))
for r in rules[:50]:
    json.dump({"Targets": [{"Id": "t", "Arn": "arn:aws:sns:us-east-1:1:x"}], "Rule": r["Arn"]}, open(os.path.join(out, f"targets-{r['Name']}.json"), "w"))
json.dump({"FlowLogs": [{"FlowLogId": f"fl-{i}", "ResourceId": v, "FlowLogStatus": "ACTIVE"} for i, v in enumerate(vpcs) if i % 3]},
          open(os.path.join(out, "flow.json"), "w"))
json.dump({"NetworkAcls": [{"NetworkAclId": f"acl-{i}", "VpcId": v, "IsDefault": True, "Entries": [
    {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": False, "CidrBlock": "0.0.0.0/0"},
    {"RuleNumber": 90 if i % 2 else 110, "Protocol": "-1", "RuleAction": "deny", "Egress": False, "CidrBlock": "0.0.0.0/0"},
    {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": False, "CidrBlock": "0.0.0.0/0"}]} for i, v in enumerate(vpcs)]},
          open(os.path.join(out, "nacls.json"), "w"))
for region in ["us-east-1", "eu-west-1"]:
    json.dump({"ConfigurationRecorders": [{"name": "default", "recordingGroup": {"allSupported": True}}], "Region": region}, open(os.path.join(out, f"rec-{region}.json"), "w"))
    json.dump({"ConfigurationRecordersStatus": [{"name": "default", "recording": region == "us-east-1"}], "Region": region}, open(os.path.join(out, f"st-{region}.json"), "w"))
PY
echo "input: $(du -sh "$OUT" | cut -f1) in $(ls "$OUT" | wc -l) files; $N instances; binary $BIN"
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "wall %e s, peak RSS %M KiB" "$BIN" check "$OUT" --format json --output "$OUT/report.json" || [ $? -eq 1 ]
else
    start=$(date +%s.%N)
    "$BIN" check "$OUT" --format json --output "$OUT/report.json" || [ $? -eq 1 ]
    echo "wall $(echo "$(date +%s.%N) - $start" | bc) s"
fi
python3 -c "
import json,collections,sys
r=json.load(open('$OUT/report.json'))
c=collections.Counter(f['rule'] for f in r['findings'])
print('findings:', dict(sorted(c.items())))"
