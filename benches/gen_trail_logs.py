#!/usr/bin/env python3
"""Deterministic CloudTrail log folders, in the layout a trail delivers to S3.

    python3 benches/gen_trail_logs.py example [-o examples/cloudtrail-logs]
    python3 benches/gen_trail_logs.py bench [--gib 2.1] [-o bench-data/trail-logs]

`example` writes the small shipped example: a few gzipped log files under
AWSLogs/111122223333/CloudTrail/<region>/<yyyy>/<mm>/<dd>/ with everyday noise
(Describe*, AssumeRole, GetObject, ...) around a handful of scripted incidents,
plus one `aws cloudtrail lookup-events` output. `bench` writes gigabytes of the
same kind of records, fast: records come from templates, files are gzipped at
level 1, and the same seed always gives the same bytes.

Record fields follow AWS's "CloudTrail record contents" and "userIdentity
element" pages; the data (account, people, addresses) is invented. Addresses
are from the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).
Standard library only.
"""
import argparse
import gzip
import io
import json
import os
import random
import sys

ACCOUNT = "111122223333"


def iso(t):
    """Seconds since 2026-03-02T00:00:00Z to an eventTime string."""
    day, rest = divmod(int(t), 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return f"2026-03-{2 + day:02d}T{h:02d}:{m:02d}:{s:02d}Z"


def user(name, path=""):
    return {
        "type": "IAMUser",
        "principalId": "AIDA" + name.upper().ljust(17, "X")[:17],
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{path}{name}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIA" + name.upper().ljust(16, "Q")[:16],
        "userName": name,
    }


def role_session(role, session, mfa, path="", console=False):
    rid = "AROA" + role.upper().replace("-", "").ljust(17, "Z")[:17]
    return {
        "type": "AssumedRole",
        "principalId": f"{rid}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIA" + session.upper().ljust(16, "W")[:16],
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": rid,
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{path}{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "attributes": {"creationDate": "2026-03-02T00:00:00Z", "mfaAuthenticated": "true" if mfa else "false"},
        },
    }


def root(mfa):
    return {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAROOTCONSOLE00001",
        "sessionContext": {"attributes": {"creationDate": "2026-03-02T22:01:13Z", "mfaAuthenticated": "true" if mfa else "false"}},
    }


class Ids:
    def __init__(self, rng):
        self.rng = rng

    def uuid(self):
        h = "%032x" % self.rng.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def record(ids, t, identity, source, name, region, ip, agent, params=None, response=None, error=None, console=False, read_only=None):
    r = {
        "eventVersion": "1.10",
        "userIdentity": identity,
        "eventTime": iso(t),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if error:
        r["errorCode"], r["errorMessage"] = error
    r["requestParameters"] = params
    r["responseElements"] = response
    r["requestID"] = ids.uuid()
    r["eventID"] = ids.uuid()
    r["readOnly"] = bool(read_only) if read_only is not None else name.startswith(("Describe", "Get", "List"))
    r["eventType"] = "AwsApiCall"
    r["managementEvent"] = True
    r["recipientAccountId"] = ACCOUNT
    r["eventCategory"] = "Management"
    if console:
        r["sessionCredentialFromConsole"] = "true"
    return r


def instances_param(ids_):
    return {"instancesSet": {"items": [{"instanceId": i} for i in ids_]}, "force": False}


def state_response(ids_, before, after):
    codes = {"pending": 0, "running": 16, "stopping": 64, "stopped": 80, "shutting-down": 32}
    return {
        "requestId": "0f5c3b9e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        "instancesSet": {"items": [
            {"instanceId": i, "currentState": {"code": codes[after], "name": after},
             "previousState": {"code": codes[before], "name": before}} for i in ids_]},
    }


CLI = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22"
BOTO = "Boto3/1.34.51 Python/3.12.2 Linux/5.10.209 exec-env/AWS_Lambda_python3.12 Botocore/1.34.51"
CONSOLE = "AWS Internal"
PROBE = "Boto3/1.28.1 Python/3.10.12 Linux/5.15.0-91-generic Botocore/1.31.1"
TF = "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 aws-sdk-go/1.51.1 (go1.22.0; linux; amd64)"


def noise(ids, rng, t, region):
    """One everyday record: reads, role assumptions, log and metric writes."""
    who = rng.choice([
        (role_session("ops-oncall", "priya", True), "198.51.100.23", CLI),
        (role_session("ci-deploy", "gh-actions-8812", False), "192.0.2.200", TF),
        (role_session("platform-automation", "reconciler", False), "10.20.3.14", BOTO),
        (user("alice"), "198.51.100.31", CLI),
        (user("ci-deployer", "automation/"), "192.0.2.200", TF),
    ])
    identity, ip, agent = who
    kind = rng.randrange(8)
    if kind == 0:
        return record(ids, t, identity, "ec2.amazonaws.com", "DescribeInstances", region, ip, agent,
                      {"instancesSet": {}, "filterSet": {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": "web"}]}}]}})
    if kind == 1:
        return record(ids, t, identity, "sts.amazonaws.com", "AssumeRole", region, ip, agent,
                      {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ops-oncall", "roleSessionName": "priya", "durationSeconds": 3600},
                      {"credentials": {"accessKeyId": "ASIAEXAMPLEXXXXXXXXX", "sessionToken": "<omitted>", "expiration": "Mar 2, 2026, 11:00:00 AM"},
                       "assumedRoleUser": {"assumedRoleId": "AROAOPSONCALLZZZZZZZ:priya", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ops-oncall/priya"}})
    if kind == 2:
        return record(ids, t, identity, "logs.amazonaws.com", "CreateLogStream", region, ip, agent,
                      {"logGroupName": "/aws/lambda/instance-scheduler", "logStreamName": "2026/03/02/[$LATEST]%08x" % rng.getrandbits(32)})
    if kind == 3:
        return record(ids, t, identity, "s3.amazonaws.com", "GetBucketAcl", region, ip, agent,
                      {"bucketName": "northwind-artifacts", "Host": "northwind-artifacts.s3.amazonaws.com", "acl": ""})
    if kind == 4:
        return record(ids, t, identity, "ec2.amazonaws.com", "DescribeSecurityGroups", region, ip, agent,
                      {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}})
    if kind == 5:
        return record(ids, t, identity, "monitoring.amazonaws.com", "DescribeAlarms", region, ip, agent,
                      {"alarmNamePrefix": "api-prod", "maxRecords": 100})
    if kind == 6:
        return record(ids, t, identity, "iam.amazonaws.com", "GetRole", "us-east-1", ip, agent, {"roleName": "web-app-instance"})
    # A failure that is not a refusal: not judged by the policies.
    return record(ids, t, identity, "ec2.amazonaws.com", "DescribeInstanceStatus", region, ip, agent,
                  {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]}, "includeAllInstances": False},
                  error=("InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist"))


def stop(ids, t, identity, region, ip, agent, inst, console=False):
    return record(ids, t, identity, "ec2.amazonaws.com", "StopInstances", region, ip, agent,
                  instances_param(inst), state_response(inst, "running", "stopping"), console=console)


def start(ids, t, identity, region, ip, agent, inst, console=False):
    return record(ids, t, identity, "ec2.amazonaws.com", "StartInstances", region, ip, agent,
                  instances_param(inst), state_response(inst, "stopped", "pending"), console=console)


def log_path(out, region, t, rng):
    stamp = iso(t)
    y, mo, d = stamp[0:4], stamp[5:7], stamp[8:10]
    hhmm = stamp[11:13] + stamp[14:16]
    suffix = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
    name = f"{ACCOUNT}_CloudTrail_{region}_{y}{mo}{d}T{hhmm}Z_{suffix}.json.gz"
    return os.path.join(out, "AWSLogs", ACCOUNT, "CloudTrail", region, y, mo, d, name)


def write_gz(path, text, level):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=level, mtime=0) as g:
            g.write(text.encode())


def write_log(out, rng, region, t, records):
    records.sort(key=lambda r: r["eventTime"])
    path = log_path(out, region, t, rng)
    write_gz(path, json.dumps({"Records": records}, separators=(",", ":")), 9)
    return path


def example(out):
    rng = random.Random(7)
    ids = Ids(rng)
    files = []

    def with_noise(t0, t1, region, *incidents):
        recs = [noise(ids, rng, rng.uniform(t0, t1), region) for _ in range(rng.randint(25, 40))]
        recs.extend(incidents)
        return recs

    api_prod, dev_bob, reporting, ledger = "i-0b2e4d6f8a0c13572", "i-0d4c6e8a0b2d35794", "i-0e6f8a0c2e4a46805", "i-0f7a9b1d3f5b57916"
    h = 3600
    # 02:14 bob, from an unknown address with a long-term key, stops api-prod-1.
    files.append(write_log(out, rng, "us-east-1", 2 * h + 15 * 60, with_noise(2 * h + 10 * 60, 2 * h + 15 * 60, "us-east-1",
        stop(ids, 2 * h + 14 * 60 + 9, user("bob"), "us-east-1", "203.0.113.77", CLI, [api_prod]))))
    # 02:41 the on-call engineer (MFA, office) starts it again, and stops bob's sandbox.
    files.append(write_log(out, rng, "us-east-1", 2 * h + 45 * 60, with_noise(2 * h + 40 * 60, 2 * h + 45 * 60, "us-east-1",
        start(ids, 2 * h + 41 * 60 + 2, role_session("ops-oncall", "priya", True), "us-east-1", "198.51.100.23", CLI, [api_prod]),
        stop(ids, 2 * h + 43 * 60 + 30, role_session("ops-oncall", "priya", True), "us-east-1", "198.51.100.23", CLI, [dev_bob]))))
    # 19:00 the scheduler Lambda stops the office-hours reporting box (legitimate).
    files.append(write_log(out, rng, "us-east-1", 19 * h + 5 * 60, with_noise(19 * h, 19 * h + 5 * 60, "us-east-1",
        stop(ids, 19 * h + 0 * 60 + 4, role_session("instance-scheduler", "instance-scheduler-fn", False, path="service-role/"),
             "us-east-1", "10.20.7.41", BOTO, [reporting]))))
    # 22:07 someone signs in as root and stops the critical ledger instance in eu-west-1.
    files.append(write_log(out, rng, "eu-west-1", 22 * h + 10 * 60, with_noise(22 * h + 5 * 60, 22 * h + 10 * 60, "eu-west-1",
        stop(ids, 22 * h + 7 * 60 + 51, root(True), "eu-west-1", "198.51.100.200", CONSOLE, [ledger], console=True))))
    # Next day 07:00 the scheduler starts the reporting box; at 07:12 grace's key
    # (from an unknown address) probes what it may do: a burst of refusals.
    t = 24 * h + 7 * h
    probe = []
    calls = [
        ("iam.amazonaws.com", "ListUsers", "us-east-1", {"maxItems": 100}, "AccessDenied"),
        ("ec2.amazonaws.com", "StopInstances", "us-east-1", instances_param([api_prod]), "Client.UnauthorizedOperation"),
        ("s3.amazonaws.com", "ListBuckets", "us-east-1", {"Host": "s3.amazonaws.com"}, "AccessDenied"),
        ("ec2.amazonaws.com", "TerminateInstances", "us-east-1", instances_param([api_prod]), "Client.UnauthorizedOperation"),
        ("secretsmanager.amazonaws.com", "GetSecretValue", "us-east-1", {"secretId": "prod/db/master"}, "AccessDenied"),
        ("ec2.amazonaws.com", "StopInstances", "us-east-1", instances_param([reporting, dev_bob]), "Client.UnauthorizedOperation"),
        ("iam.amazonaws.com", "ListRoles", "us-east-1", {"maxItems": 100}, "AccessDenied"),
    ]
    for i, (src, name, reg, params, code) in enumerate(calls):
        msg = ("You are not authorized to perform this operation. User: arn:aws:iam::%s:user/contractors/grace is not authorized to perform: %s:%s"
               % (ACCOUNT, src.split(".")[0], name))
        probe.append(record(ids, t + 12 * 60 + 17 * i, user("grace", "contractors/"), src, name, reg, "192.0.2.45", PROBE, params,
                            error=(code, msg)))
    files.append(write_log(out, rng, "us-east-1", t + 15 * 60, with_noise(t, t + 15 * 60, "us-east-1",
        start(ids, t + 2, role_session("instance-scheduler", "instance-scheduler-fn", False, path="service-role/"),
              "us-east-1", "10.20.7.41", BOTO, [reporting]), *probe)))
    # 09:30 platform-automation stops an instance in a region Northwind does not use.
    files.append(write_log(out, rng, "ap-southeast-3", t + 2 * h + 35 * 60, with_noise(t + 2 * h + 30 * 60, t + 2 * h + 35 * 60, "ap-southeast-3",
        stop(ids, t + 2 * h + 31 * 60 + 12, role_session("platform-automation", "reconciler", False), "ap-southeast-3", "10.20.3.14", BOTO,
             ["i-07c1d2e3f4a5b6c7d"]))))

    # carol's console stop, as `aws cloudtrail lookup-events` prints it.
    carol = record(ids, t + 3 * h + 2 * 60, user("carol"), "ec2.amazonaws.com", "StopInstances", "us-east-1", "198.51.100.31", CONSOLE,
                   instances_param([dev_bob]), state_response([dev_bob], "running", "stopping"), console=True)
    carol["userIdentity"]["sessionContext"] = {"attributes": {"creationDate": "2026-03-03T08:55:10Z", "mfaAuthenticated": "true"}}
    lookup = {"Events": [{
        "EventId": carol["eventID"], "EventName": "StopInstances", "ReadOnly": "false",
        "AccessKeyId": "ASIACAROLCONSOLE0001", "EventTime": "2026-03-03T10:02:00+00:00", "EventSource": "ec2.amazonaws.com",
        "Username": "carol", "Resources": [{"ResourceType": "AWS::EC2::Instance", "ResourceName": dev_bob}],
        "CloudTrailEvent": json.dumps(carol, separators=(",", ":")),
    }]}
    path = os.path.join(out, "lookup-events-carol.json")
    with open(path, "w") as f:
        json.dump(lookup, f, indent=4)
        f.write("\n")
    files.append(path)
    for p in files:
        print(p)


# --- bench -----------------------------------------------------------------------------

def bench(out, gib, seed):
    """About `gib` GiB of uncompressed JSON, in files of ~16 MiB, gzipped at level 1."""
    rng = random.Random(seed)
    ids = Ids(rng)
    # A pool of record texts with placeholders for the fields that vary; drawing
    # from it keeps generation fast while the parser sees varied records.
    pool = []
    for _ in range(400):
        r = noise(ids, rng, 0, "us-east-1")
        r["eventTime"], r["eventID"], r["requestID"] = "@T@", "@E@", "@R@"
        pool.append(json.dumps(r, separators=(",", ":")))
    specials = []
    for i in range(40):
        who = [user("bob"), role_session("ops-oncall", "priya", True), role_session("platform-automation", "reconciler", False)][i % 3]
        r = stop(ids, 0, who, "us-east-1", ["203.0.113.77", "198.51.100.23", "10.20.3.14"][i % 3], CLI, ["i-%017x" % rng.getrandbits(68)])
        r["eventTime"], r["eventID"], r["requestID"] = "@T@", "@E@", "@R@"
        specials.append(json.dumps(r, separators=(",", ":")))
    denied = []
    for i in range(20):
        r = record(ids, 0, user("grace", "contractors/"), "iam.amazonaws.com", "ListUsers", "us-east-1", "192.0.2.%d" % (40 + i), PROBE,
                   {"maxItems": 100}, error=("AccessDenied", "User is not authorized to perform: iam:ListUsers"))
        r["eventTime"], r["eventID"], r["requestID"] = "@T@", "@E@", "@R@"
        denied.append(json.dumps(r, separators=(",", ":")))
    target = int(gib * (1 << 30))
    per_file = 16 << 20
    written = files = records = kept = 0
    t = 0.0
    while written < target:
        buf = io.StringIO()
        buf.write('{"Records":[')
        size = 0
        first = True
        while size < per_file:
            x = rng.random()
            if x < 0.0002:
                text = rng.choice(specials)
                kept += 1
            elif x < 0.0006:
                text = rng.choice(denied)
                kept += 1
            else:
                text = pool[rng.randrange(len(pool))]
            t += 0.05
            h = "%032x" % rng.getrandbits(128)
            text = (text.replace("@T@", iso(t), 1)
                    .replace("@E@", f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}", 1)
                    .replace("@R@", h[::-1][:8] + "-0000-4000-8000-" + h[:12], 1))
            if not first:
                buf.write(",")
            first = False
            buf.write(text)
            size += len(text) + 1
            records += 1
        buf.write("]}")
        data = buf.getvalue()
        path = log_path(out, "us-east-1", t, rng)
        write_gz(path, data, 1)
        written += len(data)
        files += 1
        print(f"\r{written / (1 << 30):.2f} GiB in {files} files", end="", file=sys.stderr)
    print(file=sys.stderr)
    print(json.dumps({"uncompressed_bytes": written, "files": files, "records": records, "judged_records": kept}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["example", "bench"])
    ap.add_argument("-o", "--out")
    ap.add_argument("--gib", type=float, default=2.1, help="bench: uncompressed size in GiB (default 2.1)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.mode == "example":
        example(a.out or "examples/cloudtrail-logs")
    else:
        bench(a.out or "bench-data/trail-logs", a.gib, a.seed)


if __name__ == "__main__":
    main()
