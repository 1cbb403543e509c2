#!/usr/bin/env python3
"""Deterministic generator of a large synthetic AWS account export.

Writes what `aws iam get-account-authorization-details --output json` prints for a
big account: users, groups, roles (with trust policies), customer managed policies
with several versions, and AWS managed policies, many of them attached to nothing.
Policy documents are JSON objects, as the AWS CLI prints them (already URL-decoded).

    python3 benches/gen_account.py --principals 10000 --statements 100000 --seed 1 \\
        -o bench-data/account.json

The statement count is exact: every Statement element of every inline policy, of
every managed policy version (default or not) and of every role trust policy.
The same seed always gives a byte-identical file.

`--verify FILE` reads an existing export instead, validates every statement and
reference in it, and prints the same summary (it does not write anything).

Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import re
import sys
import time

import random

ACCOUNT = "111122223333"
VERSION = "2012-10-17"
STOP_ACTION = "ec2:StopInstances"

REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
ENVS = ["dev", "staging", "prod", "qa", "sandbox"]
TEAMS = ["platform", "data", "payments", "security", "sre", "mobile", "web", "ml",
         "finance", "support", "qa", "infra", "growth", "identity", "search"]
APP_WORDS = ["payments", "orders", "billing", "search", "catalog", "auth", "ledger",
             "inventory", "shipping", "notifications", "analytics", "reporting", "etl",
             "checkout", "profile", "recommendations", "fraud", "audit", "media",
             "pricing", "loyalty", "sessions", "ingest", "exports", "webhooks",
             "scheduler", "invoicing", "kyc", "ratings", "geo"]
APP_SUFFIXES = ["", "-api", "-worker", "-svc", "-batch"]
FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
         "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent",
         "victor", "walter", "yasmin", "zoe", "omar", "lena", "kenji", "priya",
         "mateo", "sofia", "liam", "amara", "chen", "diego", "fatima", "hugo", "ines",
         "jonas", "kira", "lucas", "maya", "noah", "oskar"]
LAST = ["smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "anderson",
        "thomas", "taylor", "moore", "jackson", "martin", "lee", "perez", "white",
        "harris", "clark", "lewis", "walker", "hall", "young", "king", "wright",
        "scott", "green", "baker", "adams", "nelson", "hill", "campbell", "mitchell",
        "roberts", "carter", "phillips", "evans", "turner", "torres", "parker",
        "collins", "edwards", "stewart", "morris", "murphy", "cook", "rogers",
        "morgan", "peterson", "cooper", "reed", "bailey", "bell", "gomez", "kelly",
        "howard", "ward", "cox", "diaz", "richardson", "wood"]
# Paths: mostly "/", sometimes with characters that must be escaped in a URL.
USER_PATHS = ["/team-a/", "/contractors/", "/contractors/acme.corp/", "/svc_accounts/",
              "/ops+sre/", "/engineering/platform/", "/humans/", "/team=data,eu/"]
ROLE_PATHS = ["/service-role/", "/app/", "/team-a/", "/app/payments/", "/ops+sre/",
              "/ci_cd/", "/delegated/"]
POLICY_PATHS = ["/team-a/", "/app/", "/boundaries/", "/ops+sre/", "/legacy_v1/"]
CIDRS = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.10/32", "10.0.0.0/8",
         "172.16.0.0/12", "100.64.0.0/10"]
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# The naive checker asks whether a principal may stop some instance: one per region.
PROBE_INSTANCES = [f"arn:aws:ec2:{r}:{ACCOUNT}:instance/i-0123456789abcdef0" for r in REGIONS]


# ---------------------------------------------------------------------------
# Services: actions a statement may name, and the resources it may name.
# ---------------------------------------------------------------------------

def _arn(service, region, rest):
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{rest}"


SERVICES = {
    "s3": {
        "actions": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
                    "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObjectAcl",
                    "s3:AbortMultipartUpload", "s3:GetObjectTagging", "s3:PutObjectTagging",
                    "s3:ListBucketMultipartUploads", "s3:GetBucketPolicy"],
        "wild": ["s3:Get*", "s3:List*", "s3:*Object", "s3:*"],
        "res": lambda r, c: r.choice([
            f"arn:aws:s3:::{c['bucket']}",
            f"arn:aws:s3:::{c['bucket']}/*",
            f"arn:aws:s3:::{c['bucket']}/{r.choice(['incoming', 'exports', 'tmp', 'reports'])}/*",
            f"arn:aws:s3:::{c['app']}-artifacts-{ACCOUNT}/*"]),
    },
    "dynamodb": {
        "actions": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan",
                    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchGetItem",
                    "dynamodb:BatchWriteItem", "dynamodb:DescribeTable",
                    "dynamodb:ConditionCheckItem"],
        "wild": ["dynamodb:Get*", "dynamodb:Batch*", "dynamodb:*"],
        "res": lambda r, c: r.choice([
            _arn("dynamodb", c["region"], f"table/{c['table']}"),
            _arn("dynamodb", c["region"], f"table/{c['table']}/index/*"),
            _arn("dynamodb", "*", f"table/{c['app']}-*")]),
    },
    "logs": {
        "actions": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                    "logs:DescribeLogStreams", "logs:DescribeLogGroups", "logs:GetLogEvents",
                    "logs:FilterLogEvents", "logs:PutRetentionPolicy"],
        "wild": ["logs:Describe*", "logs:Get*", "logs:*"],
        "res": lambda r, c: r.choice([
            _arn("logs", c["region"], f"log-group:/aws/lambda/{c['app']}-{c['env']}:*"),
            _arn("logs", c["region"], f"log-group:/ecs/{c['app']}:*"),
            _arn("logs", "*", "log-group:*"),
            "*"]),
    },
    "sqs": {
        "actions": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ChangeMessageVisibility",
                    "sqs:SendMessageBatch", "sqs:PurgeQueue"],
        "wild": ["sqs:*Message", "sqs:Get*", "sqs:*"],
        "res": lambda r, c: r.choice([
            _arn("sqs", c["region"], f"{c['app']}-{c['env']}"),
            _arn("sqs", c["region"], f"{c['app']}-{c['env']}-dlq"),
            _arn("sqs", c["region"], f"{c['app']}-*.fifo")]),
    },
    "sns": {
        "actions": ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes",
                    "sns:ListSubscriptionsByTopic", "sns:Unsubscribe"],
        "wild": ["sns:Publish*", "sns:*"],
        "res": lambda r, c: r.choice([
            _arn("sns", c["region"], f"{c['app']}-events"),
            _arn("sns", c["region"], f"{c['team']}-alerts-{c['env']}")]),
    },
    "kms": {
        "actions": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey",
                    "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant"],
        "wild": ["kms:GenerateDataKey*", "kms:Describe*"],
        "res": lambda r, c: r.choice([
            _arn("kms", c["region"], f"key/{c['key']}"),
            _arn("kms", c["region"], f"alias/{c['app']}")]),
    },
    "lambda": {
        "actions": ["lambda:InvokeFunction", "lambda:GetFunction", "lambda:UpdateFunctionCode",
                    "lambda:GetFunctionConfiguration", "lambda:PublishVersion",
                    "lambda:UpdateAlias", "lambda:ListVersionsByFunction"],
        "wild": ["lambda:Get*", "lambda:Invoke*", "lambda:*"],
        "res": lambda r, c: r.choice([
            _arn("lambda", c["region"], f"function:{c['app']}-{c['env']}"),
            _arn("lambda", c["region"], f"function:{c['app']}-*"),
            _arn("lambda", c["region"], f"function:{c['app']}-{c['env']}:*")]),
    },
    "cloudwatch": {
        "actions": ["cloudwatch:PutMetricData", "cloudwatch:GetMetricData",
                    "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics",
                    "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"],
        "wild": ["cloudwatch:Get*", "cloudwatch:Describe*", "cloudwatch:*"],
        "res": lambda r, c: r.choice(["*", _arn("cloudwatch", c["region"], f"alarm:{c['app']}-*")]),
    },
    "ec2": {
        # Nothing here matches ec2:StopInstances: stop grants are placed on purpose.
        "actions": ["ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs",
                    "ec2:DescribeSubnets", "ec2:DescribeTags", "ec2:DescribeImages",
                    "ec2:DescribeNetworkInterfaces", "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface", "ec2:DescribeInstanceStatus",
                    "ec2:CreateTags", "ec2:DescribeVolumes"],
        "wild": ["ec2:Describe*", "ec2:Get*"],
        "res": lambda r, c: r.choice(["*", "*", _arn("ec2", c["region"], "network-interface/*"),
                                      _arn("ec2", "*", "instance/*")]),
    },
    "iam": {
        "actions": ["iam:GetRole", "iam:ListRoles", "iam:GetUser", "iam:ListAttachedRolePolicies",
                    "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListInstanceProfiles",
                    "iam:PassRole"],
        "wild": ["iam:Get*", "iam:List*"],
        "res": lambda r, c: r.choice([
            f"arn:aws:iam::{ACCOUNT}:role/{c['app']}-*",
            f"arn:aws:iam::{ACCOUNT}:role/service-role/*",
            "*"]),
    },
    "sts": {
        "actions": ["sts:AssumeRole", "sts:GetCallerIdentity", "sts:TagSession"],
        "wild": ["sts:AssumeRole*"],
        "res": lambda r, c: r.choices([
            f"arn:aws:iam::{ACCOUNT}:role/{c['app']}-{c['env']}-deploy",
            f"arn:aws:iam::{ACCOUNT}:role/{c['team']}-readonly",
            f"arn:aws:iam::{ACCOUNT}:role/{c['team']}-*",
            "*"], weights=[72, 24, 2, 2])[0],
    },
    "secretsmanager": {
        "actions": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
                    "secretsmanager:PutSecretValue", "secretsmanager:ListSecretVersionIds"],
        "wild": ["secretsmanager:Get*", "secretsmanager:Describe*"],
        "res": lambda r, c: _arn("secretsmanager", c["region"], f"secret:{c['env']}/{c['app']}/*"),
    },
    "ssm": {
        "actions": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
                    "ssm:PutParameter", "ssm:DescribeParameters"],
        "wild": ["ssm:GetParameter*", "ssm:Describe*"],
        "res": lambda r, c: r.choice([
            _arn("ssm", c["region"], f"parameter/{c['env']}/{c['app']}/*"),
            _arn("ssm", "*", f"parameter/{c['app']}*")]),
    },
    "ecr": {
        "actions": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability",
                    "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:CompleteLayerUpload"],
        "wild": ["ecr:Batch*", "ecr:Get*"],
        "res": lambda r, c: r.choice([_arn("ecr", c["region"], f"repository/{c['app']}"), "*"]),
    },
    "states": {
        "actions": ["states:StartExecution", "states:DescribeExecution", "states:StopExecution",
                    "states:SendTaskSuccess", "states:SendTaskFailure"],
        "wild": ["states:Describe*", "states:Send*"],
        "res": lambda r, c: _arn("states", c["region"], f"stateMachine:{c['app']}-{c['env']}"),
    },
    "events": {
        "actions": ["events:PutEvents", "events:PutRule", "events:PutTargets",
                    "events:DescribeRule"],
        "wild": ["events:Put*"],
        "res": lambda r, c: _arn("events", c["region"], f"event-bus/{c['app']}"),
    },
    "kinesis": {
        "actions": ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:GetRecords",
                    "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListShards"],
        "wild": ["kinesis:Get*", "kinesis:Put*"],
        "res": lambda r, c: _arn("kinesis", c["region"], f"stream/{c['app']}-{c['env']}"),
    },
    "xray": {
        "actions": ["xray:PutTraceSegments", "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules", "xray:GetSamplingTargets"],
        "wild": ["xray:Put*"],
        "res": lambda r, c: "*",
    },
    "autoscaling": {
        "actions": ["autoscaling:DescribeAutoScalingGroups", "autoscaling:SetDesiredCapacity",
                    "autoscaling:UpdateAutoScalingGroup", "autoscaling:DescribeScalingActivities"],
        "wild": ["autoscaling:Describe*"],
        "res": lambda r, c: r.choice(["*", _arn("autoscaling", c["region"],
                                                f"autoScalingGroup:*:autoScalingGroupName/{c['app']}-*")]),
    },
}

# Which services each kind of principal tends to use.
KIND_SERVICES = {
    "lambda": ["logs", "dynamodb", "s3", "sqs", "sns", "kms", "xray", "secretsmanager", "ssm",
               "events", "kinesis", "lambda"],
    "ecs": ["logs", "ecr", "s3", "dynamodb", "sqs", "secretsmanager", "ssm", "kms", "xray"],
    "ec2": ["s3", "ssm", "logs", "cloudwatch", "ec2", "kms", "secretsmanager", "autoscaling"],
    "human": ["s3", "ec2", "iam", "logs", "cloudwatch", "dynamodb", "lambda", "sts", "sqs",
              "states", "ssm"],
    "ci": ["s3", "ecr", "lambda", "iam", "sts", "cloudwatch", "states", "ssm", "logs"],
    "data": ["s3", "dynamodb", "kinesis", "kms", "logs", "states", "sqs", "sns"],
    "cross": ["sts", "iam", "s3", "ec2", "cloudwatch", "logs"],
}


# ---------------------------------------------------------------------------
# AWS managed policies: a few with real, fixed content, the rest generated.
# ---------------------------------------------------------------------------

AWS_MANAGED_FIXED = {
    "AdministratorAccess": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    "PowerUserAccess": [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
        {"Effect": "Allow",
         "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                    "organizations:DescribeOrganization", "account:ListRegions",
                    "account:GetAccountInformation"],
         "Resource": "*"}],
    "AmazonEC2FullAccess": [
        {"Action": "ec2:*", "Effect": "Allow", "Resource": "*"},
        {"Effect": "Allow", "Action": "elasticloadbalancing:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "autoscaling:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:AWSServiceName": [
             "autoscaling.amazonaws.com", "ec2scheduled.amazonaws.com",
             "elasticloadbalancing.amazonaws.com", "spot.amazonaws.com",
             "spotfleet.amazonaws.com", "transitgateway.amazonaws.com"]}}}],
    "AmazonEC2ReadOnlyAccess": [
        {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
        {"Effect": "Allow", "Action": "elasticloadbalancing:Describe*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["cloudwatch:ListMetrics", "cloudwatch:GetMetricStatistics",
                                       "cloudwatch:Describe*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "autoscaling:Describe*", "Resource": "*"}],
    "AmazonS3ReadOnlyAccess": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3:Describe*",
                                       "s3-object-lambda:Get*", "s3-object-lambda:List*"],
         "Resource": "*"}],
    "AmazonS3FullAccess": [
        {"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}],
    "AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                       "logs:PutLogEvents"], "Resource": "*"}],
    "AmazonSSMManagedInstanceCore": [
        {"Effect": "Allow", "Action": ["ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance",
                                       "ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetManifest",
                                       "ssm:GetParameter", "ssm:GetParameters", "ssm:ListAssociations",
                                       "ssm:ListInstanceAssociations", "ssm:PutInventory",
                                       "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
                                       "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
                                       "ssm:UpdateInstanceInformation"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                                       "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage",
                                       "ec2messages:FailMessage", "ec2messages:GetEndpoint",
                                       "ec2messages:GetMessages", "ec2messages:SendReply"],
         "Resource": "*"}],
    "SystemAdministrator": [
        {"Sid": "AllowServicesForSystemAdmin", "Effect": "Allow",
         "Action": ["acm:Describe*", "acm:Get*", "acm:List*", "cloudtrail:DescribeTrails",
                    "cloudwatch:*", "ec2:AllocateAddress", "ec2:AssociateAddress",
                    "ec2:AttachVolume", "ec2:CreateSnapshot", "ec2:CreateTags",
                    "ec2:CreateVolume", "ec2:Describe*", "ec2:RebootInstances",
                    "ec2:RunInstances", "ec2:StartInstances", "ec2:StopInstances",
                    "ec2:TerminateInstances", "elasticloadbalancing:*", "logs:*",
                    "ssm:*", "sns:*", "sqs:*"],
         "Resource": "*"},
        {"Sid": "AllowIAMPassRole", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": ["arn:aws:iam::*:role/rds-monitoring-role",
                      "arn:aws:iam::*:role/ec2-sysadmin-*", "arn:aws:iam::*:role/ecr-sysadmin-*",
                      "arn:aws:iam::*:role/lambda-sysadmin-*"]}],
}
# (name, path) for AWS managed policies; generated content unless in AWS_MANAGED_FIXED.
AWS_MANAGED_NAMES = [
    ("AdministratorAccess", "/"), ("PowerUserAccess", "/"), ("ReadOnlyAccess", "/"),
    ("ViewOnlyAccess", "/job-function/"), ("SystemAdministrator", "/job-function/"),
    ("DatabaseAdministrator", "/job-function/"), ("NetworkAdministrator", "/job-function/"),
    ("DataScientist", "/job-function/"), ("Billing", "/job-function/"),
    ("SupportUser", "/job-function/"), ("SecurityAudit", "/"), ("AWSSupportAccess", "/"),
    ("AmazonEC2FullAccess", "/"), ("AmazonEC2ReadOnlyAccess", "/"),
    ("AmazonS3FullAccess", "/"), ("AmazonS3ReadOnlyAccess", "/"),
    ("AmazonDynamoDBFullAccess", "/"), ("AmazonDynamoDBReadOnlyAccess", "/"),
    ("AWSLambdaBasicExecutionRole", "/service-role/"),
    ("AWSLambdaVPCAccessExecutionRole", "/service-role/"),
    ("AWSLambdaSQSQueueExecutionRole", "/service-role/"),
    ("AWSLambdaKinesisExecutionRole", "/service-role/"),
    ("AWSLambda_FullAccess", "/"), ("AWSLambda_ReadOnlyAccess", "/"),
    ("AmazonSQSFullAccess", "/"), ("AmazonSQSReadOnlyAccess", "/"),
    ("AmazonSNSFullAccess", "/"), ("AmazonSNSReadOnlyAccess", "/"),
    ("CloudWatchFullAccess", "/"), ("CloudWatchReadOnlyAccess", "/"),
    ("CloudWatchLogsFullAccess", "/"), ("CloudWatchLogsReadOnlyAccess", "/"),
    ("CloudWatchAgentServerPolicy", "/"), ("AmazonSSMManagedInstanceCore", "/"),
    ("AmazonSSMFullAccess", "/"), ("AmazonSSMReadOnlyAccess", "/"),
    ("AmazonECS_FullAccess", "/"), ("AmazonECSTaskExecutionRolePolicy", "/service-role/"),
    ("AmazonEC2ContainerRegistryReadOnly", "/"), ("AmazonEC2ContainerRegistryPowerUser", "/"),
    ("AmazonEC2ContainerRegistryFullAccess", "/"), ("AmazonEKSClusterPolicy", "/"),
    ("AmazonEKSWorkerNodePolicy", "/"), ("AmazonEKS_CNI_Policy", "/"),
    ("AmazonRDSFullAccess", "/"), ("AmazonRDSReadOnlyAccess", "/"),
    ("AmazonVPCFullAccess", "/"), ("AmazonVPCReadOnlyAccess", "/"),
    ("IAMFullAccess", "/"), ("IAMReadOnlyAccess", "/"), ("IAMUserChangePassword", "/"),
    ("AWSCloudTrail_FullAccess", "/"), ("AWSCloudTrail_ReadOnlyAccess", "/"),
    ("AWSKeyManagementServicePowerUser", "/"), ("SecretsManagerReadWrite", "/"),
    ("AmazonKinesisFullAccess", "/"), ("AmazonKinesisReadOnlyAccess", "/"),
    ("AmazonAthenaFullAccess", "/"), ("AWSGlueServiceRole", "/service-role/"),
    ("AWSGlueConsoleFullAccess", "/"), ("AmazonRoute53FullAccess", "/"),
    ("AmazonRoute53ReadOnlyAccess", "/"), ("AWSCertificateManagerReadOnly", "/"),
    ("AWSCodeCommitPowerUser", "/"), ("AWSCodeBuildDeveloperAccess", "/"),
    ("AWSCodeDeployRole", "/service-role/"), ("AWSCodePipeline_FullAccess", "/"),
    ("AWSCloudFormationFullAccess", "/"), ("AWSCloudFormationReadOnlyAccess", "/"),
    ("AmazonElastiCacheFullAccess", "/"), ("AmazonElastiCacheReadOnlyAccess", "/"),
    ("ElasticLoadBalancingFullAccess", "/"), ("ElasticLoadBalancingReadOnly", "/"),
    ("AutoScalingFullAccess", "/"), ("AutoScalingReadOnlyAccess", "/"),
    ("AmazonAPIGatewayAdministrator", "/"), ("AmazonAPIGatewayInvokeFullAccess", "/"),
    ("AWSStepFunctionsFullAccess", "/"), ("AWSStepFunctionsReadOnlyAccess", "/"),
    ("AmazonEventBridgeFullAccess", "/"), ("AmazonEventBridgeReadOnlyAccess", "/"),
    ("AWSXrayWriteOnlyAccess", "/"), ("AWSXRayDaemonWriteAccess", "/"),
    ("AmazonRedshiftFullAccess", "/"), ("AmazonRedshiftReadOnlyAccess", "/"),
    ("AmazonSageMakerFullAccess", "/"), ("AmazonSageMakerReadOnly", "/"),
    ("AmazonMSKFullAccess", "/"), ("AmazonMSKReadOnlyAccess", "/"),
    ("AWSBackupFullAccess", "/"), ("AWSBillingReadOnlyAccess", "/"),
    ("AWSOrganizationsReadOnlyAccess", "/"), ("AWS_ConfigRole", "/service-role/"),
    ("AmazonGuardDutyFullAccess", "/"), ("AmazonGuardDutyReadOnlyAccess", "/"),
    ("AmazonInspector2ReadOnlyAccess", "/"), ("AWSSecurityHubReadOnlyAccess", "/"),
    ("AmazonCognitoPowerUser", "/"), ("AmazonCognitoReadOnly", "/"),
    ("AmazonOpenSearchServiceFullAccess", "/"), ("AmazonOpenSearchServiceReadOnlyAccess", "/"),
    ("AWSWAFReadOnlyAccess", "/"), ("AWSWAFFullAccess", "/"),
    ("CloudFrontFullAccess", "/"), ("CloudFrontReadOnlyAccess", "/"),
    ("AmazonEFSCSIDriverPolicy", "/service-role/"), ("AmazonElasticFileSystemReadOnlyAccess", "/"),
    ("AWSBatchFullAccess", "/"), ("AmazonEMRFullAccessPolicy_v2", "/"),
    ("AmazonMQFullAccess", "/"), ("AmazonMQReadOnlyAccess", "/"),
    ("AWSDataSyncReadOnlyAccess", "/"), ("AmazonTimestreamReadOnlyAccess", "/"),
    ("AmazonPrometheusQueryAccess", "/"), ("AWSIoTDataAccess", "/"),
    ("AmazonSESFullAccess", "/"), ("AmazonSESReadOnlyAccess", "/"),
    ("AmazonTextractFullAccess", "/"), ("AmazonRekognitionReadOnlyAccess", "/"),
    ("AmazonPollyReadOnlyAccess", "/"), ("ComprehendReadOnly", "/"),
    ("TranslateReadOnly", "/"), ("AWSAppSyncAdministrator", "/"),
    ("AmazonDocDBReadOnlyAccess", "/"), ("AmazonKeyspacesReadOnlyAccess", "/"),
    ("AmazonNeptuneReadOnlyAccess", "/"), ("AWSElasticBeanstalkReadOnly", "/"),
    ("AdministratorAccess-AWSElasticBeanstalk", "/"), ("AWSHealthFullAccess", "/"),
    ("ResourceGroupsandTagEditorReadOnlyAccess", "/"), ("AWSComputeOptimizerReadOnlyAccess", "/"),
    ("AmazonDevOpsGuruReadOnlyAccess", "/"), ("AWSServiceCatalogEndUserFullAccess", "/"),
    ("AmazonLightsailReadOnlyAccess", "/"), ("AWSTransferReadOnlyAccess", "/"),
    ("AmazonAppFlowReadOnlyAccess", "/"), ("AWSCodeArtifactReadOnlyAccess", "/"),
    ("AmazonQuickSightAthenaAccess", "/service-role/"), ("AmazonFSxReadOnlyAccess", "/"),
    ("AWSGlobalAcceleratorReadOnlyAccess", "/"), ("AmazonBedrockReadOnly", "/"),
    ("AWSNetworkFirewallReadOnlyAccess", "/"), ("AmazonMemoryDBReadOnlyAccess", "/"),
    ("AWSResilienceHubAsssessmentExecutionPolicy", "/"), ("AmazonVPCNetworkAccessAnalyzerFullAccessPolicy", "/"),
    ("AWSIncidentManagerResolverAccess", "/"), ("AmazonChimeReadOnly", "/"),
    ("AWSCloudMapReadOnlyAccess", "/"), ("AmazonWorkSpacesSelfServiceAccess", "/"),
    ("AmazonECSInfrastructureRolePolicyForVolumes", "/"),
]
# The service prefix each generated AWS managed policy talks about.
AWS_NAME_SERVICE = [
    ("DynamoDB", "dynamodb"), ("Lambda", "lambda"), ("SQS", "sqs"), ("SNS", "sns"),
    ("CloudWatchLogs", "logs"), ("CloudWatch", "cloudwatch"), ("SSM", "ssm"), ("ECS", "ecs"),
    ("ContainerRegistry", "ecr"), ("EKS", "eks"), ("RDS", "rds"), ("VPC", "ec2"), ("IAM", "iam"),
    ("CloudTrail", "cloudtrail"), ("KeyManagement", "kms"), ("SecretsManager", "secretsmanager"),
    ("Kinesis", "kinesis"), ("Athena", "athena"), ("Glue", "glue"), ("Route53", "route53"),
    ("CertificateManager", "acm"), ("CodeCommit", "codecommit"), ("CodeBuild", "codebuild"),
    ("CodeDeploy", "codedeploy"), ("CodePipeline", "codepipeline"),
    ("CloudFormation", "cloudformation"), ("ElastiCache", "elasticache"),
    ("ElasticLoadBalancing", "elasticloadbalancing"), ("AutoScaling", "autoscaling"),
    ("APIGateway", "apigateway"), ("StepFunctions", "states"), ("EventBridge", "events"),
    ("Xray", "xray"), ("XRay", "xray"), ("Redshift", "redshift"), ("SageMaker", "sagemaker"),
    ("MSK", "kafka"), ("Backup", "backup"), ("Billing", "aws-portal"),
    ("Organizations", "organizations"), ("Config", "config"), ("GuardDuty", "guardduty"),
    ("Inspector2", "inspector2"), ("SecurityHub", "securityhub"), ("Cognito", "cognito-idp"),
    ("OpenSearch", "es"), ("WAF", "waf"), ("CloudFront", "cloudfront"),
    ("ElasticFileSystem", "elasticfilesystem"), ("EFS", "elasticfilesystem"),
    ("Batch", "batch"), ("EMR", "elasticmapreduce"), ("MQ", "mq"), ("DataSync", "datasync"),
    ("Timestream", "timestream"), ("Prometheus", "aps"), ("IoT", "iot"), ("SES", "ses"),
    ("Textract", "textract"), ("Rekognition", "rekognition"), ("Polly", "polly"),
    ("Comprehend", "comprehend"), ("Translate", "translate"), ("AppSync", "appsync"),
    ("DocDB", "rds"), ("Keyspaces", "cassandra"), ("Neptune", "neptune-db"),
    ("ElasticBeanstalk", "elasticbeanstalk"), ("Health", "health"),
    ("ResourceGroups", "resource-groups"), ("ComputeOptimizer", "compute-optimizer"),
    ("DevOpsGuru", "devops-guru"), ("ServiceCatalog", "servicecatalog"),
    ("Lightsail", "lightsail"), ("Transfer", "transfer"), ("AppFlow", "appflow"),
    ("CodeArtifact", "codeartifact"), ("QuickSight", "quicksight"), ("FSx", "fsx"),
    ("GlobalAccelerator", "globalaccelerator"), ("Bedrock", "bedrock"),
    ("NetworkFirewall", "network-firewall"), ("MemoryDB", "memorydb"),
    ("Resilience", "resiliencehub"), ("NetworkAccessAnalyzer", "ec2"),
    ("IncidentManager", "ssm-incidents"), ("Chime", "chime"), ("CloudMap", "servicediscovery"),
    ("WorkSpaces", "workspaces"), ("S3", "s3"), ("EC2", "ec2"), ("Support", "support"),
    ("SecurityAudit", "access-analyzer"), ("Database", "rds"), ("Network", "ec2"),
    ("DataScientist", "sagemaker"), ("ViewOnly", "cloudwatch"), ("ReadOnly", "s3"),
    ("IAMUserChangePassword", "iam"),
]


# ---------------------------------------------------------------------------
# Small helpers.
# ---------------------------------------------------------------------------

EPOCH = dt.datetime(2016, 1, 1, tzinfo=dt.timezone.utc)
SPAN_SECONDS = int((dt.datetime(2024, 10, 1, tzinfo=dt.timezone.utc) - EPOCH).total_seconds())


def fmt_date(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.used_ids: set[str] = set()

    def uid(self, prefix: str) -> str:
        while True:
            s = prefix + "".join(self.r.choice(ID_ALPHABET) for _ in range(17))
            if s not in self.used_ids:
                self.used_ids.add(s)
                return s

    def date(self, after: dt.datetime | None = None) -> dt.datetime:
        if after is None:
            return EPOCH + dt.timedelta(seconds=self.r.randrange(SPAN_SECONDS))
        left = int((EPOCH + dt.timedelta(seconds=SPAN_SECONDS) - after).total_seconds())
        return after + dt.timedelta(seconds=self.r.randrange(max(left, 1)))

    def key_id(self) -> str:
        b = self.r.getrandbits(128)
        h = f"{b:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def ctx(self, kind: str, app: str | None = None, team: str | None = None,
            env: str | None = None) -> dict:
        r = self.r
        app = app or r.choice(APP_WORDS) + r.choice(APP_SUFFIXES)
        env = env or r.choice(ENVS)
        services = r.sample(KIND_SERVICES[kind], k=min(len(KIND_SERVICES[kind]), r.randint(2, 5)))
        return {
            "kind": kind, "app": app, "env": env, "team": team or r.choice(TEAMS),
            "region": r.choice(REGIONS), "services": services,
            "bucket": f"{app}-{env}-{r.choice(['data', 'assets', 'uploads', 'logs', 'backups'])}",
            "table": f"{app}-{env}-{r.choice(['items', 'state', 'events', 'sessions', 'locks'])}",
            "key": self.key_id(),
        }


def unique(name: str, used: set[str], maxlen: int) -> str:
    name = name[:maxlen]
    if name not in used:
        used.add(name)
        return name
    n = 2
    while True:
        suffix = f"-{n}"
        cand = name[: maxlen - len(suffix)] + suffix
        if cand not in used:
            used.add(cand)
            return cand
        n += 1


def camel(s: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", s) if p)


# ---------------------------------------------------------------------------
# Statements.
# ---------------------------------------------------------------------------

def condition_block(g: Gen, c: dict) -> dict:
    r = g.r
    pick = r.randrange(9)
    if pick == 0:
        regions = r.sample(REGIONS, k=r.randint(1, 3))
        return {"StringEquals": {"aws:RequestedRegion": regions[0] if len(regions) == 1 else regions}}
    if pick == 1:
        return {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if pick == 2:
        cidrs = r.sample(CIDRS, k=r.randint(1, 3))
        return {"IpAddress": {"aws:SourceIp": cidrs[0] if len(cidrs) == 1 else cidrs}}
    if pick == 3:
        return {"StringEquals": {"ec2:ResourceTag/Environment": c["env"]}}
    if pick == 4:
        return {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/{c['team']}-*"}}
    if pick == 5:
        return {"StringEquals": {"aws:PrincipalTag/Team": c["team"]}}
    if pick == 6:
        return {"StringEquals": {"aws:RequestedRegion": c["region"]},
                "Bool": {"aws:SecureTransport": "true"}}
    if pick == 7:
        return {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "shared/*"]}}
    return {"StringEquals": {"aws:ResourceTag/Environment": [c["env"], "shared"]}}


def sid_for(g: Gen, stmt: dict, i: int) -> str:
    verb = "Allow" if stmt["Effect"] == "Allow" else "Deny"
    acts = stmt.get("Action", stmt.get("NotAction", "x"))
    a = acts if isinstance(acts, str) else acts[0]
    svc = camel(a.split(":")[0]) if ":" in a else "All"
    word = g.r.choice(["Access", "Read", "Write", "Ops", "Use", "Manage", ""])
    return f"{verb}{svc}{word}{i}"


def generic_statement(g: Gen, c: dict) -> dict:
    r = g.r
    svc = r.choice(c["services"])
    spec = SERVICES[svc]
    stmt: dict = {"Effect": "Allow"}
    # Action: a single string, a list, sometimes with service wildcards.
    if r.random() < 0.35:
        stmt["Action"] = r.choice(spec["wild"]) if r.random() < 0.3 else r.choice(spec["actions"])
    else:
        acts = r.sample(spec["actions"], k=min(len(spec["actions"]), r.randint(2, 5)))
        if r.random() < 0.15:
            acts.append(r.choice(spec["wild"]))
        stmt["Action"] = acts
    # Resource.
    if r.random() < 0.6:
        res = spec["res"](r, c)
        stmt["Resource"] = res
    else:
        res = []
        for _ in range(r.randint(2, 3)):
            x = spec["res"](r, c)
            if x not in res:
                res.append(x)
        stmt["Resource"] = res[0] if len(res) == 1 else res
    if r.random() < 0.05 and svc == "s3":
        del stmt["Resource"]
        stmt["NotResource"] = [f"arn:aws:s3:::{c['app']}-secrets", f"arn:aws:s3:::{c['app']}-secrets/*"]
    if r.random() < 0.14:
        stmt["Condition"] = condition_block(g, c)
    return stmt


def deny_statement(g: Gen, c: dict) -> dict:
    r = g.r
    pick = r.randrange(8)
    if pick == 0:
        return {"Effect": "Deny",
                "NotAction": ["iam:*", "sts:*", "cloudfront:*", "route53:*", "support:*",
                              "organizations:*"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": r.sample(REGIONS, k=2)}}}
    if pick == 1:
        return {"Effect": "Deny",
                "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice",
                              "iam:GetUser", "iam:ListMFADevices", "iam:ListVirtualMFADevices",
                              "iam:ResyncMFADevice", "sts:GetSessionToken"],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    if pick == 2:
        return {"Effect": "Deny", "Action": ["ec2:StopInstances", "ec2:TerminateInstances"],
                "Resource": "*",
                "Condition": {"StringEquals": {"ec2:ResourceTag/Environment": "prod"}}}
    if pick == 3:
        return {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    if pick == 4:
        return {"Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
                "Resource": "*"}
    if pick == 5:
        return {"Effect": "Deny", "Action": ["dynamodb:DeleteTable", "dynamodb:DeleteBackup"],
                "Resource": _arn("dynamodb", "*", f"table/{c['app']}-prod-*")}
    if pick == 6:
        return {"Effect": "Deny", "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{c['bucket']}", f"arn:aws:s3:::{c['bucket']}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    return {"Effect": "Deny", "Action": ["logs:DeleteLogGroup", "logs:DeleteLogStream"],
            "Resource": "*"}


def stop_statement(g: Gen, c: dict) -> dict:
    """A statement that grants ec2:StopInstances, directly or through a wildcard."""
    r = g.r
    pick = r.choices(range(9), weights=[22, 16, 14, 14, 8, 8, 6, 4, 8])[0]
    if pick == 0:
        return {"Effect": "Allow",
                "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
                "Resource": f"arn:aws:ec2:*:{ACCOUNT}:instance/*",
                "Condition": {"StringEquals": {"ec2:ResourceTag/Environment": c["env"]}}}
    if pick == 1:
        return {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
    if pick == 2:
        return {"Effect": "Allow", "Action": ["ec2:Stop*", "ec2:Start*", "ec2:Describe*"],
                "Resource": "*"}
    if pick == 3:
        return {"Effect": "Allow", "Action": STOP_ACTION,
                "Resource": f"arn:aws:ec2:{c['region']}:{ACCOUNT}:instance/*"}
    if pick == 4:
        return {"Effect": "Allow", "Action": "*", "Resource": "*"}
    if pick == 5:
        # Action names are case-insensitive.
        return {"Effect": "Allow", "Action": "EC2:stopinstances", "Resource": "*"}
    if pick == 6:
        return {"Effect": "Allow", "Action": ["ec2:*Instances"], "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": r.sample(REGIONS, k=2)}}}
    if pick == 7:
        return {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
                "Resource": "*"}
    return {"Effect": "Allow", "Action": [STOP_ACTION, "ec2:StartInstances"],
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}


def statements(g: Gen, c: dict, k: int, stop: bool = False) -> list[dict]:
    if c.get("services") == ["aws_managed"]:
        return aws_statements(g, c, k)
    r = g.r
    out = []
    stop_at = r.randrange(k) if stop else -1
    for i in range(k):
        if i == stop_at:
            s = stop_statement(g, c)
        elif r.random() < 0.05:
            s = deny_statement(g, c)
        else:
            s = generic_statement(g, c)
        if r.random() < 0.5:
            s = {"Sid": sid_for(g, s, i + 1), **s}
        out.append(s)
    return out


def trust_document(g: Gen, role: dict, users: list[dict], roles: list[dict],
                   service: str | None) -> dict:
    r = g.r
    if service:
        principal = {"Service": service}
    elif r.random() < 0.5 or (not users and not roles):
        principal = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    else:
        pool_n = r.choices([1, 2, 3], weights=[60, 30, 10])[0]
        arns = []
        for _ in range(pool_n):
            src = users if (r.random() < 0.4 and users) else roles
            a = r.choice(src)["Arn"]
            if a != role["Arn"] and a not in arns:
                arns.append(a)
        if not arns:
            arns = [f"arn:aws:iam::{ACCOUNT}:root"]
        principal = {"AWS": arns[0] if len(arns) == 1 and r.random() < 0.5 else arns}
    stmt = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if not service and r.random() < 0.2:
        stmt["Condition"] = r.choice([
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            {"StringEquals": {"sts:ExternalId": f"ext-{g.key_id()[:8]}"}}])
    if r.random() < 0.3:
        stmt = {"Sid": "", **stmt}  # the console writes an empty Sid
    return stmt


# ---------------------------------------------------------------------------
# The account.
# ---------------------------------------------------------------------------

class Slot:
    """A policy document whose statements are generated once all counts are known."""
    __slots__ = ("doc", "ctx", "want", "stop", "k", "copy_of")

    def __init__(self, doc: dict, ctx: dict, want: int, stop: bool = False, copy_of=None):
        self.doc, self.ctx, self.want, self.stop, self.copy_of = doc, ctx, want, stop, copy_of
        self.k = 0


def new_doc() -> dict:
    return {"Version": VERSION, "Statement": []}


def build(principals: int, n_statements: int, seed: int) -> dict:
    g = Gen(seed)
    r = g.r
    n_users = max(1, round(principals * 0.3))
    n_roles = max(0, principals - n_users)
    n_groups = max(3, round(principals / 35))
    n_cust = max(8, round(principals * 0.15))
    slots: list[Slot] = []
    fixed_count = 0  # statements with fixed content (trust policies, fixed managed policies)

    # --- AWS managed policies -------------------------------------------------
    aws_policies = []
    for name, path in AWS_MANAGED_NAMES:
        created = g.date() if name not in ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess") \
            else dt.datetime(2015, 2, 6, 18, 39, 46, tzinfo=dt.timezone.utc)
        aws_policies.append({
            "PolicyName": name, "PolicyId": g.uid("ANPA"),
            "Arn": f"arn:aws:iam::aws:policy{path}{name}", "Path": path,
            "DefaultVersionId": "", "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": fmt_date(created), "UpdateDate": "",
            "PolicyVersionList": [], "_created": created, "_fixed": name in AWS_MANAGED_FIXED,
        })

    # --- customer managed policies -------------------------------------------
    used_pol: set[str] = set()
    cust = []
    boundary_specs = [
        ("DeveloperBoundary", [
            {"Sid": "ServicesDevelopersUse", "Effect": "Allow",
             "Action": ["s3:*", "dynamodb:*", "logs:*", "lambda:*", "sqs:*", "sns:*",
                        "cloudwatch:*", "ec2:Describe*", "xray:*", "states:*"],
             "Resource": "*"},
            {"Sid": "NoIdentityChanges", "Effect": "Deny",
             "Action": ["iam:Create*", "iam:Delete*", "iam:Put*", "iam:Attach*"], "Resource": "*"}]),
        ("PlatformBoundary", [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey", "organizations:*"],
             "Resource": "*"}]),
        ("ContractorBoundary", [
            {"Effect": "Allow", "NotAction": ["iam:*", "ec2:Stop*", "ec2:Terminate*", "kms:*"],
             "Resource": "*"}]),
        ("ServiceRoleBoundary", [
            {"Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "logs:*", "sqs:*", "sns:*", "kms:*",
                                           "secretsmanager:GetSecretValue", "ssm:Get*", "xray:*",
                                           "ec2:*NetworkInterface*", "ec2:Describe*"],
             "Resource": "*"}]),
        ("OpsBoundary", [
            {"Effect": "Allow", "Action": ["ec2:*", "cloudwatch:*", "logs:*", "ssm:*", "autoscaling:*"],
             "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*",
             "Condition": {"StringEquals": {"ec2:ResourceTag/Environment": "prod"}}}]),
    ]
    boundaries = []
    for name, stmts in boundary_specs:
        pol = new_customer_policy(g, name, "/boundaries/", used_pol)
        doc = new_doc()
        doc["Statement"] = stmts
        fixed_count += len(stmts)
        pol["PolicyVersionList"].append(version_entry(g, pol, 1, True, doc))
        finish_policy(pol)
        boundaries.append(pol)
        cust.append(pol)

    kinds = ["lambda", "ecs", "ec2", "human", "ci", "data", "cross"]
    n_stop_pol = max(2, round(n_cust * 0.015))
    n_deny_pol = max(1, round(n_cust * 0.008))
    for i in range(n_cust - len(boundaries)):
        kind = r.choice(kinds)
        team = r.choice(TEAMS)
        c = g.ctx(kind, team=team)
        if i < n_stop_pol:
            base = r.choice(["EC2Operator", "InstanceScheduler", "OnCallEC2", "StartStopDev",
                             "FleetOps", "ec2-power-cycle"])
            name = f"{base}-{team}"
            stop, want = True, r.randint(2, 6)
        elif i < n_stop_pol + n_deny_pol:
            name = r.choice(["DenyProdInstanceStop", "GuardrailNoStop", "deny-ec2-lifecycle"]) + f"-{team}"
            stop, want = False, 1
        else:
            stem = r.choice(["access", "policy", "rw", "ro", "exec", "deploy", "runtime", "pipeline"])
            name = r.choice([
                f"{c['app']}-{c['env']}-{stem}",
                f"{camel(c['app'])}{camel(stem)}Policy",
                f"{team}_{c['app']}_{stem}",
                f"{c['app']}.{c['env']}.{stem}",
                f"{team}+{c['app']}={stem}",
                f"{c['app']}@{c['env']}",
            ])
            stop = False
            want = max(1, int(r.lognormvariate(1.7, 0.7)))
        path = r.choice(POLICY_PATHS) if r.random() < 0.2 else "/"
        pol = new_customer_policy(g, name, path, used_pol)
        pol["_stop"] = stop
        latest = r.randint(1, 7)
        kept = min(latest, r.choices([1, 2, 3], weights=[35, 40, 25])[0])
        default_v = latest if r.random() < 0.9 else r.randint(latest - kept + 1, latest)
        default_slot = None
        version_slots = []
        for v in range(latest, latest - kept, -1):
            doc = new_doc()
            is_default = v == default_v
            pol["PolicyVersionList"].append(version_entry(g, pol, v, is_default, doc))
            version_slots.append((is_default, doc))
        for is_default, doc in version_slots:
            if is_default:
                if name.startswith(("DenyProd", "GuardrailNoStop", "deny-ec2")):
                    doc["Statement"] = [deny_stop_fixed(r)]
                    fixed_count += 1
                    default_slot = None
                else:
                    default_slot = Slot(doc, c, want, stop=stop)
                    slots.append(default_slot)
        for is_default, doc in version_slots:
            if not is_default:
                if default_slot is None:
                    doc["Statement"] = [deny_stop_fixed(r)]
                    fixed_count += 1
                else:
                    # Older versions resemble the default; an old version of a stop policy
                    # may be broader than the default (not in force, must not count).
                    s = Slot(doc, c, max(1, want + r.randint(-2, 1)), stop=stop, copy_of=default_slot)
                    slots.append(s)
        finish_policy(pol)
        cust.append(pol)

    # --- groups ---------------------------------------------------------------
    used_grp: set[str] = set()
    groups = []
    group_roles = ["developers", "readonly", "admins", "oncall", "analysts", "deployers",
                   "auditors", "support", "interns", "leads"]
    for i in range(n_groups):
        team = r.choice(TEAMS)
        gr = r.choice(group_roles)
        name = r.choice([f"{team}-{gr}", f"{camel(team)}{camel(gr)}", f"{team}.{gr}",
                         f"{team}+{gr}", f"grp_{team}_{gr}"])
        name = unique(name, used_grp, 128)
        path = r.choice(USER_PATHS) if r.random() < 0.15 else "/"
        grp = {"Path": path, "GroupName": name, "GroupId": g.uid("AGPA"),
               "Arn": f"arn:aws:iam::{ACCOUNT}:group{path}{name}",
               "CreateDate": fmt_date(g.date()), "GroupPolicyList": [],
               "AttachedManagedPolicies": [], "_role": gr, "_team": team}
        c = g.ctx("human", team=team)
        for _ in range(r.choices([0, 1, 2], weights=[45, 40, 15])[0]):
            doc = new_doc()
            pname = unique(f"{name}-{r.choice(['inline', 'extra', 'access', 'tmp'])}",
                           grp.setdefault("_pn", set()), 128)
            grp["GroupPolicyList"].append({"PolicyName": pname, "PolicyDocument": doc})
            stop = gr in ("oncall", "admins") and r.random() < 0.5 or r.random() < 0.01
            slots.append(Slot(doc, c, max(1, int(r.lognormvariate(1.1, 0.6))), stop=stop))
        groups.append(grp)

    # --- users ----------------------------------------------------------------
    used_user: set[str] = set()
    users = []
    for i in range(n_users):
        first, last = r.choice(FIRST), r.choice(LAST)
        style = r.random()
        if style < 0.55:
            name = f"{first}.{last}"
        elif style < 0.75:
            name = f"{first}.{last}@example.com"
        elif style < 0.85:
            name = f"{first[0]}{last}"
        elif style < 0.93:
            name = f"svc-{r.choice(APP_WORDS)}-{r.choice(ENVS)}"
        elif style < 0.97:
            name = f"ci-bot+{r.choice(['github', 'gitlab', 'jenkins', 'circleci'])}"
        else:
            name = f"{first}_{last}=ext,{r.choice(['acme', 'globex', 'initech'])}"
        name = unique(name, used_user, 64)
        path = r.choice(USER_PATHS) if r.random() < 0.25 else "/"
        u = {"Path": path, "UserName": name, "UserId": g.uid("AIDA"),
             "Arn": f"arn:aws:iam::{ACCOUNT}:user{path}{name}",
             "CreateDate": fmt_date(g.date())}
        kind = "ci" if name.startswith(("svc-", "ci-bot")) else "human"
        c = g.ctx(kind)
        inline = []
        for _ in range(r.choices([0, 1, 2], weights=[72, 22, 6])[0]):
            doc = new_doc()
            inline.append({"PolicyName": unique(r.choice(["inline", "temp-access", "legacy",
                                                          f"{c['app']}-access", "s3+logs", "debug.policy"]),
                                                u.setdefault("_pn", set()), 128),
                           "PolicyDocument": doc})
            slots.append(Slot(doc, c, max(1, int(r.lognormvariate(1.0, 0.6))), stop=r.random() < 0.015))
        if inline:
            u["UserPolicyList"] = inline
        n_g = r.choices([0, 1, 2, 3], weights=[15, 45, 30, 10])[0]
        u["GroupList"] = [x["GroupName"] for x in r.sample(groups, k=min(n_g, len(groups)))]
        u["AttachedManagedPolicies"] = []
        u["_n_att"] = r.choices([0, 1, 2], weights=[65, 25, 10])[0]
        if r.random() < 0.08:
            u["_boundary"] = r.choice(boundaries[:3])
        if r.random() < 0.4:
            u["Tags"] = make_tags(g, c)
        users.append(u)

    # --- roles ----------------------------------------------------------------
    used_role: set[str] = set()
    roles = []
    slr_services = ["autoscaling", "ecs", "elasticloadbalancing", "rds", "organizations",
                    "support", "trustedadvisor", "sso", "guardduty", "config", "cloudtrail",
                    "ec2spot", "eks", "elasticache", "ssm"]
    slr_left = list(slr_services)
    role_kinds = [("lambda", 28), ("ecs", 15), ("ec2", 14), ("human", 12), ("cross", 10),
                  ("ci", 8), ("data", 9), ("slr", 4)]
    kind_names = [k for k, _ in role_kinds]
    kind_w = [w for _, w in role_kinds]
    pending_trust = []
    for i in range(n_roles):
        kind = r.choices(kind_names, weights=kind_w)[0]
        if kind == "slr" and not slr_left:
            kind = "lambda"
        team = r.choice(TEAMS)
        c = g.ctx(kind if kind != "slr" else "cross", team=team)
        service = None
        path = "/"
        if kind == "slr":
            svc = slr_left.pop(0)
            name = f"AWSServiceRoleFor{camel(svc)}"
            path = f"/aws-service-role/{svc}.amazonaws.com/"
            service = f"{svc}.amazonaws.com"
        elif kind == "lambda":
            name = r.choice([f"{c['app']}-{c['env']}-lambda-role", f"{c['app']}-{c['env']}-exec",
                             f"lambda_{c['app']}_{c['env']}"])
            service = "lambda.amazonaws.com"
            path = "/service-role/" if r.random() < 0.3 else "/"
        elif kind == "ecs":
            name = r.choice([f"ecsTaskRole-{c['app']}-{c['env']}", f"{c['app']}-{c['env']}-task"])
            service = "ecs-tasks.amazonaws.com"
        elif kind == "ec2":
            name = r.choice([f"{c['app']}-{c['env']}-ec2", f"{c['app']}-{c['env']}-instance-role",
                             f"eks-nodegroup-{c['app']}"])
            service = "ec2.amazonaws.com"
        elif kind == "human":
            name = r.choice([f"{team}-admin", f"{team}-readonly", f"{team}-developer",
                             f"{team}-oncall", f"{camel(team)}Engineer", f"{team}+break-glass"])
        elif kind == "cross":
            name = r.choice([f"{c['app']}-{c['env']}-deploy", f"OrganizationAccountAccessRole",
                             f"{team}-audit", f"{c['app']}-{c['env']}-cross-account",
                             f"vendor=acme,{team}"])
        elif kind == "ci":
            name = r.choice([f"github-actions-{c['app']}", f"ci_cd.{c['app']}.{c['env']}",
                             f"codebuild-{c['app']}-service-role"])
            service = r.choice([None, "codebuild.amazonaws.com"])
        else:
            name = r.choice([f"{c['app']}-{c['env']}-glue", f"{c['app']}-{c['env']}-sfn",
                             f"{c['app']}-firehose"])
            service = r.choice(["glue.amazonaws.com", "states.amazonaws.com", "firehose.amazonaws.com"])
        name = unique(name, used_role, 64)
        if path == "/" and kind != "slr" and r.random() < 0.12:
            path = r.choice(ROLE_PATHS)
        created = g.date()
        role = {"Path": path, "RoleName": name, "RoleId": g.uid("AROA"),
                "Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
                "CreateDate": fmt_date(created), "AssumeRolePolicyDocument": None,
                "InstanceProfileList": [], "RolePolicyList": [], "AttachedManagedPolicies": [],
                "_kind": kind}
        pending_trust.append((role, service))
        if kind != "slr":
            n_inline = r.choices([0, 1, 2, 3], weights=[22, 50, 20, 8])[0]
            stop_p = {"human": 0.06, "cross": 0.05, "ci": 0.05, "ec2": 0.04}.get(kind, 0.004)
            if kind == "human" and ("admin" in name or "oncall" in name):
                stop_p = 0.25
            if "readonly" in name or "audit" in name:
                stop_p = 0.0
            for _ in range(n_inline):
                doc = new_doc()
                role["RolePolicyList"].append({
                    "PolicyName": unique(r.choice([f"{name}-policy", "inline", "permissions",
                                                   f"{c['app']}-access", "AllowLogs", "runtime.rw"]),
                                         role.setdefault("_pn", set()), 128),
                    "PolicyDocument": doc})
                slots.append(Slot(doc, c, max(1, int(r.lognormvariate(1.35, 0.65))),
                                  stop=r.random() < stop_p))
        role["_n_att"] = 0 if kind == "slr" else r.choices([0, 1, 2, 3], weights=[35, 40, 18, 7])[0]
        if kind != "slr" and r.random() < 0.1:
            role["_boundary"] = r.choice(boundaries[3:] if kind not in ("human", "cross")
                                         else boundaries[:3] + boundaries[4:])
        if r.random() < 0.35:
            role["Tags"] = make_tags(g, c)
        role["RoleLastUsed"] = {} if r.random() < 0.3 else {
            "LastUsedDate": fmt_date(g.date(after=created)), "Region": r.choice(REGIONS)}
        roles.append(role)

    for role, service in pending_trust:
        doc = new_doc()
        n_trust = 2 if (role["_kind"] in ("human", "cross") and r.random() < 0.1) else 1
        for _ in range(n_trust):
            st = trust_document(g, role, users, roles, service)
            if n_trust == 2 and doc["Statement"]:
                st = dict(st)
                st["Action"] = ["sts:AssumeRole", "sts:TagSession"]
            doc["Statement"].append(st)
        fixed_count += n_trust
        role["AssumeRolePolicyDocument"] = doc

    # --- attachments ----------------------------------------------------------
    aws_by_name = {p["PolicyName"]: p for p in aws_policies}
    stop_pols = [p for p in cust if p.get("_stop")]
    deny_pols = [p for p in cust if p["PolicyName"].startswith(("DenyProd", "GuardrailNoStop", "deny-ec2"))]
    plain_pols = [p for p in cust if p not in boundaries and not p.get("_stop") and p not in deny_pols]
    # Only about half of the AWS managed policies are attached to anything at all.
    aws_attachable = [p for p in aws_policies if p["PolicyName"] not in
                      ("AdministratorAccess", "PowerUserAccess", "AmazonEC2FullAccess", "SystemAdministrator")]
    aws_attachable = aws_attachable[: len(aws_attachable) // 2]

    def attach(entity: dict, pol: dict):
        lst = entity["AttachedManagedPolicies"]
        if any(a["PolicyArn"] == pol["Arn"] for a in lst):
            return
        lst.append({"PolicyName": pol["PolicyName"], "PolicyArn": pol["Arn"]})
        pol["AttachmentCount"] += 1

    def pick_policy(entity_kind: str, read_only: bool = False) -> dict:
        x = r.random()
        if x < 0.015:
            return r.choice(deny_pols if read_only else stop_pols)
        if x < 0.025:
            return r.choice(deny_pols)
        if x < 0.30:
            if entity_kind == "lambda":
                return aws_by_name[r.choice(["AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole",
                                             "AWSXrayWriteOnlyAccess"])]
            if entity_kind == "ecs":
                return aws_by_name["AmazonECSTaskExecutionRolePolicy"]
            if entity_kind == "ec2":
                return aws_by_name[r.choice(["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy",
                                             "AmazonEC2ContainerRegistryReadOnly"])]
            return r.choice(aws_attachable)
        return r.choice(plain_pols)

    for grp in groups:
        for _ in range(r.choices([0, 1, 2, 3], weights=[10, 45, 30, 15])[0]):
            attach(grp, pick_policy("human"))
        if grp["_role"] == "admins" and r.random() < 0.6:
            attach(grp, aws_by_name["AdministratorAccess"])
        elif grp["_role"] == "oncall" and r.random() < 0.5:
            attach(grp, r.choice(stop_pols + [aws_by_name["SystemAdministrator"]]))
        elif grp["_role"] == "readonly":
            attach(grp, aws_by_name[r.choice(["ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"])])
    for u in users:
        for _ in range(u.pop("_n_att")):
            attach(u, pick_policy("human"))
        if r.random() < 0.004:
            attach(u, aws_by_name[r.choice(["AdministratorAccess", "PowerUserAccess"])])
    for role in roles:
        kind = role["_kind"]
        for _ in range(role.pop("_n_att")):
            attach(role, pick_policy(kind, read_only="readonly" in role["RoleName"]
                                     or "audit" in role["RoleName"]))
        if kind == "slr":
            attach(role, r.choice(aws_attachable))
        elif kind in ("human", "cross") and r.random() < 0.04 and not (
                "readonly" in role["RoleName"] or "audit" in role["RoleName"]):
            attach(role, aws_by_name[r.choice(["AdministratorAccess", "PowerUserAccess", "AmazonEC2FullAccess"])])
        elif kind == "ec2" and r.random() < 0.01:
            attach(role, aws_by_name["AmazonEC2FullAccess"])

    # --- boundaries -----------------------------------------------------------
    for ent in users + roles:
        b = ent.pop("_boundary", None)
        if b is not None:
            ent["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                          "PermissionsBoundaryArn": b["Arn"]}
            b["PermissionsBoundaryUsageCount"] += 1

    # --- AWS managed policy versions ----------------------------------------
    for pol in aws_policies:
        name = pol["PolicyName"]
        latest = r.randint(1, 12)
        kept = min(latest, r.choices([1, 2, 3], weights=[50, 35, 15])[0])
        c = aws_ctx(g, name)
        default_slot = None
        for v in range(latest, latest - kept, -1):
            doc = new_doc()
            is_default = v == latest
            pol["PolicyVersionList"].append(version_entry(g, pol, v, is_default, doc))
            if name in AWS_MANAGED_FIXED:
                stmts = copy.deepcopy(AWS_MANAGED_FIXED[name])
                if not is_default and len(stmts) > 1:
                    stmts = stmts[:-1]
                doc["Statement"] = stmts
                fixed_count += len(stmts)
            elif is_default:
                default_slot = Slot(doc, c, r.randint(1, 6))
                slots.append(default_slot)
            else:
                slots.append(Slot(doc, c, max(1, default_slot.want + r.randint(-1, 0)),
                                  copy_of=default_slot))
        finish_policy(pol)

    # --- distribute statements exactly --------------------------------------
    budget = n_statements - fixed_count
    if budget < len(slots):
        raise SystemExit(
            f"gen_account: --statements {n_statements} is too small for --principals {principals}: "
            f"need at least {fixed_count + len(slots)}")
    total_want = sum(s.want for s in slots)
    scale = budget / total_want
    for s in slots:
        s.k = max(1, int(s.want * scale))
    diff = budget - sum(s.k for s in slots)
    while diff > 0:
        s = r.choice(slots)
        s.k += 1
        diff -= 1
    while diff < 0:
        s = r.choice(slots)
        if s.k > 1:
            s.k -= 1
            diff += 1

    # --- fill documents ------------------------------------------------------
    for s in slots:
        if s.copy_of is None:
            s.doc["Statement"] = statements(g, s.ctx, s.k, stop=s.stop and s.k > 0)
    for s in slots:
        if s.copy_of is not None:
            base = copy.deepcopy(s.copy_of.doc["Statement"][: s.k])
            if len(base) < s.k:
                base += statements(g, s.ctx, s.k - len(base))
            if s.stop:
                # An older version of a stop policy: sometimes broader, sometimes without.
                for j, st in enumerate(base):
                    if st.get("Effect") == "Allow" and is_stop_grant(st) and r.random() < 0.5:
                        base[j] = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
            elif base and r.random() < 0.5:
                j = r.randrange(len(base))
                base[j] = statements(g, s.ctx, 1)[0]
            s.doc["Statement"] = base

    # --- assemble -----------------------------------------------------------
    def strip(d: dict) -> dict:
        return {k: v for k, v in d.items() if not k.startswith("_")}

    out = {
        "UserDetailList": [strip(u) for u in users],
        "GroupDetailList": [strip(x) for x in groups],
        "RoleDetailList": [strip(x) for x in roles],
        "Policies": [strip(p) for p in cust + aws_policies],
        "IsTruncated": False,
    }
    # The CLI lists customer and AWS managed policies interleaved by name.
    out["Policies"].sort(key=lambda p: (p["PolicyName"].lower(), p["Arn"]))
    return out


def deny_stop_fixed(r: random.Random) -> dict:
    if r.random() < 0.5:
        return {"Sid": "DenyStopOutsideChangeWindow", "Effect": "Deny",
                "Action": ["ec2:StopInstances", "ec2:TerminateInstances"], "Resource": "*",
                "Condition": {"StringEquals": {"ec2:ResourceTag/Environment": "prod"}}}
    return {"Sid": "NoInstanceStop", "Effect": "Deny", "Action": "ec2:StopInstances", "Resource": "*"}


def aws_ctx(g: Gen, name: str) -> dict:
    svc = "s3"
    for word, prefix in AWS_NAME_SERVICE:
        if word.lower() in name.lower():
            svc = prefix
            break
    c = g.ctx("data", app=svc, env="prod")
    c["aws_service"] = svc
    c["services"] = ["aws_managed"]
    c["readonly"] = any(w in name for w in ("ReadOnly", "Read", "ViewOnly", "Audit", "Query"))
    return c


def new_customer_policy(g: Gen, name: str, path: str, used: set[str]) -> dict:
    name = unique(name, used, 128)
    created = g.date()
    return {"PolicyName": name, "PolicyId": g.uid("ANPA"),
            "Arn": f"arn:aws:iam::{ACCOUNT}:policy{path}{name}", "Path": path,
            "DefaultVersionId": "", "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": fmt_date(created), "UpdateDate": "",
            "PolicyVersionList": [], "_created": created}


def version_entry(g: Gen, pol: dict, v: int, is_default: bool, doc: dict) -> dict:
    return {"Document": doc, "VersionId": f"v{v}", "IsDefaultVersion": is_default,
            "CreateDate": fmt_date(g.date(after=pol["_created"]))}


def finish_policy(pol: dict):
    vl = pol["PolicyVersionList"]
    # Newest first, dates increasing with version numbers.
    dates = sorted(v["CreateDate"] for v in vl)
    vl.sort(key=lambda v: -int(v["VersionId"][1:]))
    for v, d in zip(vl, reversed(dates)):
        v["CreateDate"] = d
    if vl[-1]["VersionId"] == "v1":  # the first version was written with the policy
        vl[-1]["CreateDate"] = pol["CreateDate"]
    pol["DefaultVersionId"] = next(v["VersionId"] for v in vl if v["IsDefaultVersion"])
    pol["UpdateDate"] = vl[0]["CreateDate"] if len(vl) > 1 else pol["CreateDate"]
    if pol["UpdateDate"] < pol["CreateDate"]:
        pol["UpdateDate"] = pol["CreateDate"]


def make_tags(g: Gen, c: dict) -> list[dict]:
    r = g.r
    opts = [("Team", c["team"]), ("Environment", c["env"]), ("CostCenter", f"cc-{r.randint(100, 999)}"),
            ("Owner", f"{r.choice(FIRST)}.{r.choice(LAST)}@example.com"),
            ("Project", f"{c['app']} migration"), ("ManagedBy", r.choice(["terraform", "cdk", "console"]))]
    return [{"Key": k, "Value": v} for k, v in r.sample(opts, k=r.randint(1, 3))]


def aws_statements(g: Gen, c: dict, k: int) -> list[dict]:
    """AWS managed documents not in AWS_MANAGED_FIXED: about the policy's own service."""
    r = g.r
    svc = c["aws_service"]
    out = []
    for i in range(k):
        if c["readonly"] or i > 0:
            verbs = r.sample(["Describe", "Get", "List", "BatchGet", "Search", "View", "Lookup"],
                             k=r.randint(2, 5))
            acts = [f"{svc}:{v}*" for v in verbs]
            if i > 0 and r.random() < 0.5:
                acts = [f"{r.choice(['cloudwatch', 'logs', 'tag', 'iam', 'kms', 'sns'])}:{v}*"
                        for v in verbs[:3]]
            s = {"Effect": "Allow", "Action": acts, "Resource": "*"}
        elif svc == "ec2":  # network-flavoured: none of these matches ec2:StopInstances
            s = {"Effect": "Allow", "Action": ["ec2:*Vpc*", "ec2:*Subnet*", "ec2:*Route*",
                                               "ec2:*Gateway*", "ec2:Describe*"], "Resource": "*"}
        else:
            s = {"Effect": "Allow", "Action": f"{svc}:*", "Resource": "*"}
        if i > 0 and r.random() < 0.2:
            s = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                 "Condition": {"StringEquals": {"iam:PassedToService": f"{svc}.amazonaws.com"}}}
        if r.random() < 0.4:
            s = {"Sid": f"{camel(svc)}Permissions{i + 1}", **s}
        out.append(s)
    return out


# ---------------------------------------------------------------------------
# Validation and the naive stop check.
# ---------------------------------------------------------------------------

NAME_RE = re.compile(r"^[\w+=,.@-]+$")
PATH_RE = re.compile(r"^(/|/[\x21-\x7e]+/)$")
ACTION_RE = re.compile(r"^(\*|[a-zA-Z0-9-]+:[A-Za-z0-9*?]+)$")
SID_RE = re.compile(r"^[A-Za-z0-9]*$")
STMT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
             "NotPrincipal", "Condition"}
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
_pat_cache: dict[str, re.Pattern] = {}


class Invalid(Exception):
    pass


def _need(cond: bool, msg: str):
    if not cond:
        raise Invalid(msg)


def _str_or_list(v, what: str) -> list[str]:
    if isinstance(v, str):
        return [v]
    _need(isinstance(v, list) and v and all(isinstance(x, str) for x in v),
          f"{what} must be a string or a non-empty list of strings: {v!r}")
    return v


def validate_doc(doc, where: str, trust: bool = False) -> int:
    _need(isinstance(doc, dict), f"{where}: document is not an object")
    _need(doc.get("Version") == VERSION, f"{where}: Version")
    stmts = doc.get("Statement")
    _need(isinstance(stmts, list) and stmts, f"{where}: Statement must be a non-empty list")
    for i, s in enumerate(stmts):
        w = f"{where} Statement[{i}]"
        _need(isinstance(s, dict), f"{w}: not an object")
        _need(set(s) <= STMT_KEYS, f"{w}: unknown keys {set(s) - STMT_KEYS}")
        _need(s.get("Effect") in ("Allow", "Deny"), f"{w}: Effect")
        _need(("Action" in s) != ("NotAction" in s), f"{w}: exactly one of Action/NotAction")
        for a in _str_or_list(s.get("Action", s.get("NotAction")), f"{w}: Action"):
            _need(ACTION_RE.match(a) is not None, f"{w}: bad action {a!r}")
        if "Sid" in s:
            _need(isinstance(s["Sid"], str) and SID_RE.match(s["Sid"]), f"{w}: Sid {s['Sid']!r}")
        if trust:
            _need("Principal" in s and "Resource" not in s and "NotResource" not in s,
                  f"{w}: trust statements name a Principal and no Resource")
            p = s["Principal"]
            _need(isinstance(p, dict) and p and set(p) <= {"AWS", "Service", "Federated"},
                  f"{w}: Principal")
            for v in p.values():
                _str_or_list(v, f"{w}: Principal value")
        else:
            _need("Principal" not in s and "NotPrincipal" not in s, f"{w}: identity policy with Principal")
            _need(("Resource" in s) != ("NotResource" in s), f"{w}: exactly one of Resource/NotResource")
            for x in _str_or_list(s.get("Resource", s.get("NotResource")), f"{w}: Resource"):
                _need(x == "*" or x.startswith("arn:aws:"), f"{w}: bad resource {x!r}")
        if "Condition" in s:
            cond = s["Condition"]
            _need(isinstance(cond, dict) and cond, f"{w}: Condition must be a non-empty object")
            for op, kv in cond.items():
                _need(isinstance(op, str) and isinstance(kv, dict) and kv, f"{w}: Condition {op}")
                for k, v in kv.items():
                    _need(isinstance(k, str) and ":" in k, f"{w}: condition key {k!r}")
                    _str_or_list(v, f"{w}: condition value")
    return len(stmts)


def _pattern(p: str) -> re.Pattern:
    rx = _pat_cache.get(p)
    if rx is None:
        rx = re.compile("^" + re.escape(p).replace(r"\*", ".*").replace(r"\?", ".") + "$",
                        re.IGNORECASE | re.DOTALL)
        _pat_cache[p] = rx
    return rx


def _matches(patterns, value: str) -> bool:
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(_pattern(p).match(value) for p in patterns)


def _covers(s: dict) -> bool:
    """Does the statement name ec2:StopInstances on some instance (ignoring conditions)?"""
    if "Action" in s:
        if not _matches(s["Action"], STOP_ACTION):
            return False
    elif _matches(s["NotAction"], STOP_ACTION):
        return False
    if "Resource" in s:
        return any(_matches(s["Resource"], p) for p in PROBE_INSTANCES)
    return not all(_matches(s["NotResource"], p) for p in PROBE_INSTANCES)


def is_stop_grant(s: dict) -> bool:
    return s.get("Effect") == "Allow" and _covers(s)


def _verdict(docs) -> tuple[bool, bool, bool]:
    """(allowed ignoring conditions, allowed unconditionally, denied unconditionally)."""
    allow = allow_uncond = deny = False
    for d in docs:
        for s in d["Statement"]:
            if not _covers(s):
                continue
            if s["Effect"] == "Allow":
                allow = True
                if "Condition" not in s:
                    allow_uncond = True
            elif "Condition" not in s:
                deny = True
    return allow, allow_uncond, deny


def _assume_patterns(docs) -> list[str]:
    """Resource patterns of the Allow statements naming sts:AssumeRole (ignoring conditions)."""
    out = []
    for d in docs:
        for s in d["Statement"]:
            if s["Effect"] != "Allow" or "Resource" not in s:
                continue
            if ("Action" in s and _matches(s["Action"], "sts:AssumeRole")) or \
                    ("NotAction" in s and not _matches(s["NotAction"], "sts:AssumeRole")):
                res = s["Resource"]
                out += [res] if isinstance(res, str) else res
    return out


def _reach_by_assuming(roles: list[dict], stoppers: set[str], assumers: dict[str, list[str]]) -> set[str]:
    """Principals that may stop an instance themselves or through a chain of sts:AssumeRole.

    Naive: conditions are ignored; a trust policy naming a principal's ARN lets it assume
    the role; one naming the account root lets any principal whose own policies allow
    sts:AssumeRole on the role's ARN assume it."""
    root = f"arn:aws:iam::{ACCOUNT}:root"
    by_arn = {r["Arn"]: r for r in roles}
    reach = set(stoppers)
    queue = [a for a in by_arn if a in stoppers]
    while queue:
        role = by_arn[queue.pop()]
        cands: list[str] = []
        trusts_root = False
        for s in role["AssumeRolePolicyDocument"]["Statement"]:
            if s["Effect"] != "Allow" or not _matches(s["Action"], "sts:AssumeRole"):
                continue
            aws = s["Principal"].get("AWS", [])
            for a in [aws] if isinstance(aws, str) else aws:
                if a == root:
                    trusts_root = True
                else:
                    cands.append(a)
        if trusts_root:
            for pat, who in assumers.items():
                if _pattern(pat).match(role["Arn"]):
                    cands += who
        for c in cands:
            if c not in reach:
                reach.add(c)
                if c in by_arn:
                    queue.append(c)
    return reach


def analyse(data: dict) -> dict:
    """Validate an export and count its statements and who could stop an instance."""
    for k in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
        _need(isinstance(data.get(k), list), f"top-level {k} must be a list")
    _need(data.get("IsTruncated") is False, "IsTruncated must be false")
    n_stmt = 0
    policies = {}
    for p in data["Policies"]:
        w = f"policy {p.get('Arn')}"
        _need(NAME_RE.match(p["PolicyName"]) and len(p["PolicyName"]) <= 128, f"{w}: name")
        _need(PATH_RE.match(p["Path"]), f"{w}: path")
        owner = "aws" if p["Arn"].startswith("arn:aws:iam::aws:") else ACCOUNT
        _need(p["Arn"] == f"arn:aws:iam::{owner}:policy{p['Path']}{p['PolicyName']}", f"{w}: Arn")
        _need(p["Arn"] not in policies, f"{w}: duplicate")
        _need(p["PolicyId"].startswith("ANPA") and len(p["PolicyId"]) == 21, f"{w}: PolicyId")
        _need(DATE_RE.match(p["CreateDate"]) and DATE_RE.match(p["UpdateDate"]), f"{w}: dates")
        defaults = [v for v in p["PolicyVersionList"] if v["IsDefaultVersion"]]
        _need(len(defaults) == 1 and defaults[0]["VersionId"] == p["DefaultVersionId"], f"{w}: default version")
        _need(1 <= len(p["PolicyVersionList"]) <= 5, f"{w}: version count")
        for v in p["PolicyVersionList"]:
            _need(DATE_RE.match(v["CreateDate"]), f"{w}: version date")
            n_stmt += validate_doc(v["Document"], f"{w} {v['VersionId']}")
        policies[p["Arn"]] = {"doc": defaults[0]["Document"], "att": 0, "pb": 0, "p": p}
    groups = {}
    for grp in data["GroupDetailList"]:
        w = f"group {grp.get('GroupName')}"
        _need(NAME_RE.match(grp["GroupName"]) and PATH_RE.match(grp["Path"]), f"{w}: name/path")
        _need(grp["Arn"] == f"arn:aws:iam::{ACCOUNT}:group{grp['Path']}{grp['GroupName']}", f"{w}: Arn")
        _need(grp["GroupName"] not in groups, f"{w}: duplicate")
        groups[grp["GroupName"]] = grp
        for ip in grp["GroupPolicyList"]:
            _need(NAME_RE.match(ip["PolicyName"]), f"{w}: inline policy name")
            n_stmt += validate_doc(ip["PolicyDocument"], f"{w} {ip['PolicyName']}")
        for a in grp["AttachedManagedPolicies"]:
            _need(a["PolicyArn"] in policies, f"{w}: attached {a['PolicyArn']} not listed")
            policies[a["PolicyArn"]]["att"] += 1
    names = set()
    arns = set()
    stop = stop_uncond = 0
    stoppers: set[str] = set()  # principals that may stop an instance themselves
    assumers: dict[str, list[str]] = {}  # sts:AssumeRole resource pattern -> principals allowed it
    n_users = n_roles = 0
    for kind, lst, inline_key in (("user", data["UserDetailList"], "UserPolicyList"),
                                  ("role", data["RoleDetailList"], "RolePolicyList")):
        for e in lst:
            name = e["UserName"] if kind == "user" else e["RoleName"]
            w = f"{kind} {name}"
            _need(NAME_RE.match(name) and len(name) <= 64 and PATH_RE.match(e["Path"]), f"{w}: name/path")
            _need(e["Arn"] == f"arn:aws:iam::{ACCOUNT}:{kind}{e['Path']}{name}", f"{w}: Arn")
            _need((kind, name) not in names, f"{w}: duplicate")
            _need(DATE_RE.match(e["CreateDate"]), f"{w}: date")
            names.add((kind, name))
            arns.add(e["Arn"])
            docs = []
            for ip in e.get(inline_key, []):
                _need(NAME_RE.match(ip["PolicyName"]), f"{w}: inline policy name")
                n_stmt += validate_doc(ip["PolicyDocument"], f"{w} {ip['PolicyName']}")
                docs.append(ip["PolicyDocument"])
            for a in e["AttachedManagedPolicies"]:
                _need(a["PolicyArn"] in policies, f"{w}: attached {a['PolicyArn']} not listed")
                policies[a["PolicyArn"]]["att"] += 1
                docs.append(policies[a["PolicyArn"]]["doc"])
            if kind == "user":
                n_users += 1
                for gname in e["GroupList"]:
                    _need(gname in groups, f"{w}: group {gname} not listed")
                    grp = groups[gname]
                    docs += [ip["PolicyDocument"] for ip in grp["GroupPolicyList"]]
                    docs += [policies[a["PolicyArn"]]["doc"] for a in grp["AttachedManagedPolicies"]]
            else:
                n_roles += 1
                n_stmt += validate_doc(e["AssumeRolePolicyDocument"], f"{w} trust", trust=True)
                _need(e["InstanceProfileList"] == [] and isinstance(e["RoleLastUsed"], dict), f"{w}: shape")
            allow, allow_uncond, deny = _verdict(docs)
            bdoc = None
            if "PermissionsBoundary" in e:
                pb = e["PermissionsBoundary"]
                _need(pb["PermissionsBoundaryType"] == "Policy" and pb["PermissionsBoundaryArn"] in policies,
                      f"{w}: boundary")
                bpol = policies[pb["PermissionsBoundaryArn"]]
                bpol["pb"] += 1
                bdoc = bpol["doc"]
                b_allow, b_uncond, b_deny = _verdict([bdoc])
                allow = allow and b_allow and not b_deny
                allow_uncond = allow_uncond and b_uncond and not b_deny
            if allow and not deny:
                stop += 1
                stoppers.add(e["Arn"])
                if allow_uncond:
                    stop_uncond += 1
            if bdoc is None or _assume_patterns([bdoc]):
                for pat in _assume_patterns(docs):
                    assumers.setdefault(pat, []).append(e["Arn"])
    # Trust policy principals name principals that exist.
    for e in data["RoleDetailList"]:
        for s in e["AssumeRolePolicyDocument"]["Statement"]:
            aws = s["Principal"].get("AWS")
            for a in ([aws] if isinstance(aws, str) else aws or []):
                _need(a == f"arn:aws:iam::{ACCOUNT}:root" or a in arns, f"role {e['RoleName']}: trusts unknown {a}")
    stop_chain = len(_reach_by_assuming(data["RoleDetailList"], stoppers, assumers))
    for arn, rec in policies.items():
        _need(rec["p"]["AttachmentCount"] == rec["att"], f"{arn}: AttachmentCount {rec['p']['AttachmentCount']} != {rec['att']}")
        _need(rec["p"]["PermissionsBoundaryUsageCount"] == rec["pb"], f"{arn}: PermissionsBoundaryUsageCount")
    n_aws = sum(1 for a in policies if a.startswith("arn:aws:iam::aws:"))
    return {
        "principals": n_users + n_roles, "users": n_users, "roles": n_roles,
        "groups": len(groups), "managed_policies": len(policies),
        "customer_policies": len(policies) - n_aws, "aws_policies": n_aws,
        "aws_unattached": sum(1 for a, x in policies.items() if a.startswith("arn:aws:iam::aws:") and x["att"] == 0),
        "statements": n_stmt, "stop": stop, "stop_uncond": stop_uncond, "stop_chain": stop_chain,
    }


def summary(a: dict, nbytes: int, path: str, extra: str = "") -> str:
    pct = 100.0 * a["stop"] / max(a["principals"], 1)
    return (f"{path}: {a['principals']} principals ({a['users']} users, {a['roles']} roles), "
            f"{a['groups']} groups, {a['managed_policies']} managed policies "
            f"({a['customer_policies']} customer, {a['aws_policies']} AWS, {a['aws_unattached']} AWS unattached), "
            f"{a['statements']} statements, {nbytes} bytes ({nbytes / 1e6:.1f} MB); "
            f"could stop instances (naive): {a['stop']} principals ({pct:.1f}%), "
            f"{a['stop_uncond']} without conditions, "
            f"{a['stop_chain']} ({100.0 * a['stop_chain'] / max(a['principals'], 1):.1f}%) "
            f"counting sts:AssumeRole chains{extra}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--principals", type=int, default=10000, help="users + roles (default 10000)")
    ap.add_argument("--statements", type=int, default=100000,
                    help="exact number of Statement elements in the export (default 100000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("-o", "--output", default="bench-data/account.json",
                    help="output file (default bench-data/account.json)")
    fmt = ap.add_mutually_exclusive_group()
    fmt.add_argument("--indent", type=int, default=4,
                     help="JSON indentation, as the AWS CLI prints it (default 4)")
    fmt.add_argument("--compact", action="store_true",
                     help="write JSON without newlines or indentation (about 40%% of the indented size)")
    ap.add_argument("--verify", metavar="FILE",
                    help="validate an existing export and print its summary instead of generating")
    args = ap.parse_args(argv)

    if args.verify:
        with open(args.verify, "rb") as f:
            raw = f.read()
        try:
            a = analyse(json.loads(raw))
        except Invalid as e:
            print(f"gen_account: {args.verify}: invalid: {e}", file=sys.stderr)
            return 1
        print(summary(a, len(raw), args.verify), file=sys.stderr)
        return 0

    if args.principals < 2:
        ap.error("--principals must be at least 2")
    t0 = time.perf_counter()
    data = build(args.principals, args.statements, args.seed)
    text = json.dumps(data, indent=None if args.compact else args.indent) + "\n"
    try:
        a = analyse(data)
    except Invalid as e:  # a bug in this generator
        print(f"gen_account: internal error, generated an invalid export: {e}", file=sys.stderr)
        return 2
    if a["statements"] != args.statements:
        print(f"gen_account: internal error: {a['statements']} statements, wanted {args.statements}",
              file=sys.stderr)
        return 2
    out_dir = os.path.dirname(args.output)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    data_bytes = text.encode("utf-8")
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data_bytes)
    os.replace(tmp, args.output)
    print(summary(a, len(data_bytes), args.output, f"; generated in {time.perf_counter() - t0:.1f} s"),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
