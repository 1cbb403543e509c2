"""Seeds moto with a larger account for benches/snapshot.sh.

Usage: seed_bulk.py ENDPOINT ROLES SGS REGION...
ROLES roles (each with an inline policy) and SGS security groups spread over the
regions (each with two ingress rules), plus five instances per region.
"""
import json
import sys

import boto3

endpoint, roles, sgs, regions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint)
trust = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
for i in range(roles):
    name = f"bench-role-{i:04d}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ec2:Describe*", "ec2:StopInstances"],
                       "Resource": f"arn:aws:ec2:*:*:instance/i-{i:08x}"}]}))
for r, region in enumerate(regions):
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    share = sgs // len(regions) + (1 if r < sgs % len(regions) else 0)
    for i in range(share):
        g = ec2.create_security_group(GroupName=f"bench-{i}", Description="bench", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": f"10.{i % 250}.0.0/16"}]},
        ])
    ec2.run_instances(ImageId="ami-760aaa0f", MinCount=5, MaxCount=5)
print("seeded", roles, "roles,", sgs, "security groups in", " ".join(regions))
