#!/usr/bin/env python3
"""Writes a deterministic synthetic repository of IAM and IaC files for benches/iac.sh.

A mix like a platform team's repository: IAM policy documents (JSON and YAML),
CloudFormation templates (YAML with short-form tags, JSON with long-form
intrinsics) and Terraform plans (`terraform show -json | jq .`). A few files in
each kind carry violations or unresolvable values, as a real repository would.

    python3 benches/gen_iac.py [--files 5000] [--seed 1] [-o bench-data/iac]

Standard library only; the same seed always writes the same files.
"""
import argparse
import json
import os
import random
import shutil

ACTIONS = ["s3:GetObject", "s3:PutObject", "ec2:Describe*", "logs:PutLogEvents",
           "dynamodb:Query", "sqs:SendMessage", "kms:Decrypt", "ec2:StartInstances"]


def statement(rng, i):
    if rng.random() < 0.05:
        return {"Sid": f"Stop{i}", "Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"}
    return {"Sid": f"S{i}", "Effect": "Allow",
            "Action": rng.sample(ACTIONS, rng.randint(1, 3)),
            "Resource": f"arn:aws:s3:::bucket-{rng.randint(1, 500)}/*"}


def policy(rng):
    return {"Version": "2012-10-17", "Statement": [statement(rng, i) for i in range(rng.randint(2, 6))]}


def to_yaml(value, indent=0):
    """A small block-style YAML writer (enough for policies and templates)."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 2))
            else:
                lines.append(f"{pad}{k}: {scalar(v)}")
    else:
        for v in value:
            if isinstance(v, dict) and v:
                inner = to_yaml(v, indent + 2).split("\n")
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {scalar(v)}")
    return "\n".join(lines)


def scalar(v):
    if isinstance(v, str):
        if v.startswith("!"):
            return v
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def cfn(rng, n, short_tags):
    ref = (lambda p: f"!Ref {p}") if short_tags else (lambda p: {"Ref": p})
    resources = {}
    for r in range(rng.randint(3, 8)):
        kind = rng.choice(["role", "sg", "instance", "policy"])
        if kind == "role":
            resources[f"Role{r}"] = {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": f"app-{n}-{r}",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "Policies": [{"PolicyName": "inline", "PolicyDocument": policy(rng)}]}}
        elif kind == "policy":
            resources[f"Policy{r}"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "ManagedPolicyName": f"managed-{n}-{r}", "PolicyDocument": policy(rng)}}
        elif kind == "sg":
            port = rng.choice([443, 443, 443, 80, 22, 5432])
            cidr = "0.0.0.0/0" if rng.random() < 0.3 else ref("AllowedCidr")
            resources[f"Sg{r}"] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": f"group {r}",
                "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": cidr}]}}
        else:
            resources[f"Instance{r}"] = {"Type": "AWS::EC2::Instance", "Properties": {
                "ImageId": "ami-0123456789abcdef0", "InstanceType": "t3.micro",
                "DisableApiStop": rng.random() < 0.7,
                "Tags": [{"Key": "Environment", "Value": rng.choice(["dev", "prod"])}]}}
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"AllowedCidr": {"Type": "String", "Default": "10.0.0.0/8"}},
            "Resources": resources}


def plan(rng, n):
    changes = []
    for r in range(rng.randint(3, 8)):
        kind = rng.choice(["aws_iam_policy", "aws_security_group", "aws_instance", "aws_iam_role"])
        after, unknown = {}, {"id": True, "arn": True}
        if kind == "aws_iam_policy":
            after = {"name": f"p-{n}-{r}", "path": "/", "policy": json.dumps(policy(rng))}
        elif kind == "aws_iam_role":
            after = {"name": f"r-{n}-{r}", "path": "/", "assume_role_policy": json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})}
        elif kind == "aws_security_group":
            port = rng.choice([443, 443, 22, 8080])
            after = {"name": f"sg-{n}-{r}", "ingress": [{"protocol": "tcp", "from_port": port, "to_port": port,
                     "cidr_blocks": ["0.0.0.0/0" if rng.random() < 0.3 else "10.1.0.0/16"], "ipv6_cidr_blocks": [],
                     "security_groups": [], "prefix_list_ids": [], "self": False, "description": ""}]}
        else:
            after = {"ami": "ami-0123456789abcdef0", "instance_type": "t3.small",
                     "disable_api_stop": rng.random() < 0.7, "tags": {"Environment": rng.choice(["dev", "prod"])}}
        changes.append({"address": f"{kind}.r{r}", "mode": "managed", "type": kind, "name": f"r{r}",
                        "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown}})
    return {"format_version": "1.2", "terraform_version": "1.9.5", "resource_changes": changes}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", default="bench-data/iac")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if os.path.isdir(args.o):
        shutil.rmtree(args.o)
    kinds = {"policy-json": 0, "policy-yaml": 0, "cfn-yaml": 0, "cfn-json": 0, "tf-plan": 0}
    total = 0
    for n in range(args.files):
        team = os.path.join(args.o, f"team-{n % 50:02d}")
        os.makedirs(team, exist_ok=True)
        roll = rng.random()
        if roll < 0.30:
            kind, name, text = "policy-json", f"policy-{n}.json", json.dumps(policy(rng), indent=2)
        elif roll < 0.45:
            kind, name, text = "policy-yaml", f"policy-{n}.yaml", to_yaml(policy(rng))
        elif roll < 0.65:
            kind, name, text = "cfn-yaml", f"stack-{n}.yaml", to_yaml(cfn(rng, n, True))
        elif roll < 0.80:
            kind, name, text = "cfn-json", f"stack-{n}.json", json.dumps(cfn(rng, n, False), indent=2)
        else:
            kind, name, text = "tf-plan", f"plan-{n}.tfplan.json", json.dumps(plan(rng, n), indent=2)
        with open(os.path.join(team, name), "w") as f:
            f.write(text + "\n")
        kinds[kind] += 1
        total += len(text) + 1
    print(f"{args.files} files, {total / 1e6:.1f} MB in {args.o}: "
          + ", ".join(f"{k} {v}" for k, v in kinds.items()))


if __name__ == "__main__":
    main()
