"""Seeds moto with an organization whose SCPs decide who may stop instances.

Usage: seed_org.py ENDPOINT

As the management account (moto's default account, the caller's credentials):
an organization with all features, SCPs enabled at the root, the path
root -> OU workloads -> OU prod -> member account, and:
  - at OU workloads, instead of FullAWSAccess, an allow list (ec2, iam, sts):
    every other service is denied to the account, whatever IAM says;
  - at OU prod, a Deny of ec2:StopInstances to every principal except the
    ops-* roles.
Then, in the member account (credentials from sts:AssumeRole into it, which is
how moto switches accounts): user alice and role ops-oncall may stop
instances, user admin may do anything.

Prints `name value` lines: member, root, workloads, prod, and the member's
access_key, secret_key and session_token.
"""
import json
import sys

import boto3

endpoint = sys.argv[1]


def client(service, **creds):
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint, **creds)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


org = client("organizations")
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
workloads = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
prod = org.create_organizational_unit(ParentId=workloads, Name="prod")["OrganizationalUnit"]["Id"]
member = org.create_account(Email="member@example.com", AccountName="member")["CreateAccountStatus"]["AccountId"]
org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=prod)

allow_list = org.create_policy(
    Name="allow-ec2-iam-sts",
    Description="only these services",
    Type="SERVICE_CONTROL_POLICY",
    Content=doc({"Effect": "Allow", "Action": ["ec2:*", "iam:*", "sts:*"], "Resource": "*"}),
)["Policy"]["PolicySummary"]["Id"]
org.attach_policy(PolicyId=allow_list, TargetId=workloads)
org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=workloads)

deny_stop = org.create_policy(
    Name="only-ops-stop",
    Description="stopping is for the ops roles",
    Type="SERVICE_CONTROL_POLICY",
    Content=doc(
        {
            "Effect": "Deny",
            "Action": "ec2:StopInstances",
            "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ops-*"}},
        }
    ),
)["Policy"]["PolicySummary"]["Id"]
org.attach_policy(PolicyId=deny_stop, TargetId=prod)

creds = client("sts").assume_role(
    RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
)["Credentials"]
as_member = {
    "aws_access_key_id": creds["AccessKeyId"],
    "aws_secret_access_key": creds["SecretAccessKey"],
    "aws_session_token": creds["SessionToken"],
}
iam = client("iam", **as_member)
stop = doc({"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"})
iam.create_user(UserName="alice")
iam.put_user_policy(UserName="alice", PolicyName="stop", PolicyDocument=stop)
iam.create_user(UserName="admin")
iam.put_user_policy(
    UserName="admin",
    PolicyName="everything",
    PolicyDocument=doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
)
iam.create_role(
    RoleName="ops-oncall",
    AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ),
)
iam.put_role_policy(RoleName="ops-oncall", PolicyName="stop", PolicyDocument=stop)

for name, value in [
    ("member", member),
    ("root", root),
    ("workloads", workloads),
    ("prod", prod),
    ("access_key", creds["AccessKeyId"]),
    ("secret_key", creds["SecretAccessKey"]),
    ("session_token", creds["SessionToken"]),
]:
    print(name, value)
