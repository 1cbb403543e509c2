"""Seeds a moto server with a small account for tests/live.rs.

Usage: seed.py ENDPOINT   (dummy credentials come from the environment)

Two regions, us-east-1 and eu-west-1. What is seeded and which finding each
piece should produce is listed beside it; tests/live.rs asserts those findings.
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
        print(f"{region}-{name} {inst}")

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
print(f"account {account}")
