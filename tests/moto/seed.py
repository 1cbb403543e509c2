"""Seeds a moto server with a small account for tests/live.rs.

Usage: seed.py ENDPOINT   (dummy credentials come from the environment)

Two regions, us-east-1 and eu-west-1. What is seeded and which finding each
piece should produce is listed beside it; tests/live.rs asserts those findings.

With a second argument EXPORT_DIR, also writes what the AWS CLI would print for
the alerting and hygiene data (describe-metric-filters, describe-alarms,
list-rules, list-targets-by-rule, describe-flow-logs, describe-network-acls,
describe-images, the configservice describes), with the instances and trails
they are judged against, so tests/live.rs can check that the exports and the
snapshot of the same account give the same findings. Each regional file gets a
top-level "Region" key, as the README tells CLI users to add.
"""
import json
import sys

import boto3

endpoint = sys.argv[1]


def client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


iam = client("iam")
account = client("sts").get_caller_identity()["Account"]

# A customer managed policy with two versions: v1 harmless, v2 (the default)
# lets its holder stop every instance with no condition (IAM-002).
pol = iam.create_policy(
    PolicyName="fleet-stop",
    PolicyDocument=doc({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}),
)["Policy"]
iam.create_policy_version(
    PolicyArn=pol["Arn"],
    PolicyDocument=doc({"Sid": "StopAll", "Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"}),
    SetAsDefault=True,
)
boundary = iam.create_policy(
    PolicyName="boundary-readonly",
    PolicyDocument=doc({"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"}),
)["Policy"]

# alice: the managed policy attached directly (IAM-001, IAM-003: a user without MFA).
iam.create_user(UserName="alice")
iam.attach_user_policy(UserName="alice", PolicyArn=pol["Arn"])

# bob: stops through the group "operators", whose inline policy uses ec2:Stop*
# (IAM-004 on the group's policy: granted through a wildcard).
iam.create_group(GroupName="operators")
iam.put_group_policy(
    GroupName="operators",
    PolicyName="operators-stop",
    PolicyDocument=doc({"Effect": "Allow", "Action": "ec2:Stop*", "Resource": "*"}),
)
iam.create_user(UserName="bob")
iam.add_user_to_group(GroupName="operators", UserName="bob")

# carol: no EC2 access at all; must appear in no finding.
iam.create_user(UserName="carol")

trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
# ops-oncall: inline policy allows stopping (IAM-001 for a role).
iam.create_role(RoleName="ops-oncall", AssumeRolePolicyDocument=trust)
iam.put_role_policy(
    RoleName="ops-oncall",
    PolicyName="oncall-stop",
    PolicyDocument=doc({"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"}),
)
# fenced: the same policy, but a permissions boundary that allows only
# Describe*: it may not stop anything, so no IAM-001 finding names it.
iam.create_role(
    RoleName="fenced",
    AssumeRolePolicyDocument=trust,
    PermissionsBoundary=boundary["Arn"],
)
iam.attach_role_policy(RoleName="fenced", PolicyArn=pol["Arn"])

# Per region: security groups, instances, stop protection.
for region in ["us-east-1", "eu-west-1"]:
    ec2 = client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    if region == "us-east-1":
        open_ssh = ec2.create_security_group(GroupName="open-ssh", Description="ssh from anywhere", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=open_ssh,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        closed = ec2.create_security_group(GroupName="internal-https", Description="https from the VPC", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=closed,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
        )
        print(f"sg-open-ssh {open_ssh}")
        print(f"sg-internal-https {closed}")
    else:
        wide = ec2.create_security_group(GroupName="wide-open", Description="everything from anywhere", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=wide,
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        print(f"sg-wide-open {wide}")
    image = "ami-12c6146b" if region == "eu-west-1" else "ami-760aaa0f"
    launched = {}
    for name, protect in [("unprotected", False), ("protected", True)]:
        inst = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            TagSpecifications=[{
                "ResourceType": "instance",
                "Tags": [{"Key": "Environment", "Value": "prod"}, {"Key": "Name", "Value": f"{region}-{name}"}],
            }],
        )["Instances"][0]["InstanceId"]
        if protect:
            ec2.modify_instance_attribute(InstanceId=inst, DisableApiStop={"Value": True})
        launched[name] = inst
        print(f"{region}-{name} {inst}")
    # The VPC the instances landed in (moto puts them in the default VPC).
    instance_vpc = ec2.describe_instances(InstanceIds=[launched["protected"]])["Reservations"][0]["Instances"][0]["VpcId"]
    print(f"vpc-{region} {instance_vpc}")

    # Network ACLs: an allow-all entry behind a lower-numbered deny-all is
    # harmless (no VPC-002); in eu-west-1 it stands alone (VPC-002). The
    # default ACLs moto creates allow everything in, as AWS's do (VPC-002).
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0")
    if region == "us-east-1":
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol="-1", RuleAction="deny",
                                     Egress=False, CidrBlock="0.0.0.0/0")
    print(f"acl-{region} {acl}")

    # Flow logs on the instances' VPC in us-east-1 only (VPC-001 in eu-west-1).
    if region == "us-east-1":
        client("s3", region).create_bucket(Bucket="flow-logs-use1")
        ec2.create_flow_logs(ResourceIds=[instance_vpc], ResourceType="VPC", TrafficType="ALL",
                             LogDestinationType="s3", LogDestination="arn:aws:s3:::flow-logs-use1")

    # An instance whose AMI is then deregistered (EC2-002: no longer available).
    # The seed AMIs are from 2017, so every other instance is EC2-002 too (old).
    if region == "eu-west-1":
        own = ec2.create_image(InstanceId=launched["unprotected"], Name="web-base")["ImageId"]
        orphan = ec2.run_instances(ImageId=own, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        ec2.deregister_image(ImageId=own)
        print(f"eu-west-1-orphan {orphan}")
        print(f"ami-deregistered {own}")

    # CPU alarm on the protected instances only (MON-002 for the others).
    client("cloudwatch", region).put_metric_alarm(
        AlarmName=f"cpu-{launched['protected']}", Namespace="AWS/EC2", MetricName="CPUUtilization",
        Dimensions=[{"Name": "InstanceId", "Value": launched["protected"]}], Statistic="Average",
        Period=300, EvaluationPeriods=3, Threshold=90, ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[f"arn:aws:sns:{region}:{account}:ops"],
    )

    # AWS Config: recording everything with an EC2 rule in us-east-1; in
    # eu-west-1 a recorder that was never started (CFG-001) and no rule (CFG-002).
    cfg = client("config", region)
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{account}:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": False}})
    if region == "us-east-1":
        client("s3", region).create_bucket(Bucket="config-use1")
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-use1"})
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        cfg.put_config_rule(ConfigRule={
            "ConfigRuleName": "ec2-stopped", "Source": {"Owner": "AWS", "SourceIdentifier": "EC2_STOPPED_INSTANCE"},
            "Scope": {"ComplianceResourceTypes": ["AWS::EC2::Instance"]}})

# CloudTrail: a multi-region trail in us-east-1 that is not logging (CT-001), and
# a single-region trail in eu-west-1 that logs read events only (CT-002).
s3 = client("s3")
s3.create_bucket(Bucket="trail-logs")
ct = client("cloudtrail", "us-east-1")
ct.create_trail(Name="org-trail", S3BucketName="trail-logs", IsMultiRegionTrail=True)
ct = client("cloudtrail", "eu-west-1")
ct.create_trail(Name="eu-reads", S3BucketName="trail-logs", EnableLogFileValidation=True)
ct.start_logging(Name="eu-reads")
ct.put_event_selectors(
    TrailName="eu-reads",
    EventSelectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}],
)

# Alerting on StopInstances (MON-001). us-east-1: an EventBridge rule with a
# target. eu-west-1: the logging trail delivers to a log group with a metric
# filter on StopInstances, but its alarm has no action (MON-001, a near miss).
# (moto 5.2.5 answers PutCompositeAlarm with HTTP 500: composite alarms are
# tested with exported files only.)
ev = client("events", "us-east-1")
ev.put_rule(Name="ec2-stop", EventPattern=json.dumps({
    "source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["ec2.amazonaws.com"], "eventName": ["StopInstances"]}}))
ev.put_targets(Rule="ec2-stop", Targets=[{"Id": "sns", "Arn": f"arn:aws:sns:us-east-1:{account}:security"}])
# A rule that does not match stops, and has no target: counts for nothing.
ev.put_rule(Name="nightly", ScheduleExpression="cron(0 3 * * ? *)")
logs = client("logs", "eu-west-1")
logs.create_log_group(logGroupName="eu-audit")
logs.put_metric_filter(
    logGroupName="eu-audit", filterName="ec2-stop", filterPattern='{ ($.eventSource = ec2.amazonaws.com) && ($.eventName = "Stop*") }',
    metricTransformations=[{"metricName": "Ec2Stop", "metricNamespace": "Audit", "metricValue": "1"}])
client("cloudwatch", "eu-west-1").put_metric_alarm(
    AlarmName="ec2-stop", Namespace="Audit", MetricName="Ec2Stop", Statistic="Sum", Period=300,
    EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")
ct.update_trail(
    Name="eu-reads",
    CloudWatchLogsLogGroupArn=f"arn:aws:logs:eu-west-1:{account}:log-group:eu-audit:*",
    CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/trail-to-logs")

print(f"account {account}")

if len(sys.argv) > 2:
    import os

    out = sys.argv[2]

    def iso(o):
        return o.isoformat()

    def write(name, doc, region=None):
        doc = {k: v for k, v in doc.items() if k not in ("ResponseMetadata", "NextToken", "nextToken")}
        if region:
            doc["Region"] = region
        with open(os.path.join(out, name), "w") as f:
            json.dump(doc, f, default=iso, indent=1)

    trails = []
    for region in ["us-east-1", "eu-west-1"]:
        ct = client("cloudtrail", region)
        for t in ct.describe_trails(includeShadowTrails=False)["trailList"]:
            trails.append(t)
            status = ct.get_trail_status(Name=t["TrailARN"])
            status["Name"] = t["Name"]
            write(f"trail-status-{t['Name']}.json", status)
            write(f"selectors-{t['Name']}.json", ct.get_event_selectors(TrailName=t["TrailARN"]))
        ec2 = client("ec2", region)
        reservations = ec2.describe_instances()
        write(f"instances-{region}.json", reservations)
        ids = sorted({i["ImageId"] for r in reservations["Reservations"] for i in r["Instances"]})
        write(f"images-{region}.json", ec2.describe_images(
            Filters=[{"Name": "image-id", "Values": ids}], IncludeDeprecated=True), region)
        write(f"flow-logs-{region}.json", ec2.describe_flow_logs(), region)
        write(f"nacls-{region}.json", ec2.describe_network_acls(), region)
        write(f"metric-filters-{region}.json", client("logs", region).describe_metric_filters(), region)
        write(f"alarms-{region}.json", client("cloudwatch", region).describe_alarms(
            AlarmTypes=["MetricAlarm", "CompositeAlarm"]), region)
        ev = client("events", region)
        rules = ev.list_rules()
        write(f"rules-{region}.json", rules, region)
        for r in rules["Rules"]:
            targets = ev.list_targets_by_rule(Rule=r["Name"])
            targets["Rule"] = r["Arn"]
            write(f"targets-{region}-{r['Name']}.json", targets)
        cfg = client("config", region)
        write(f"recorders-{region}.json", cfg.describe_configuration_recorders(), region)
        write(f"recorder-status-{region}.json", cfg.describe_configuration_recorder_status(), region)
        write(f"config-rules-{region}.json", cfg.describe_config_rules(), region)
    write("trails.json", {"trailList": trails})
