//! Command-line definitions, and nothing else: what each flag means lives here,
//! what it does lives in `commands/`.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::findings::Severity;
use crate::report::{Format, Listing};

#[derive(Debug, Parser)]
#[command(
    name = "stopguard",
    version,
    about = "Who may stop an EC2 instance, and would anyone notice?",
    long_about = "stopguard evaluates Rego policies against AWS account state: who may call \
ec2:StopInstances (users and roles, through inline, managed and group policies, permissions \
boundaries and SCPs), which security-group rules are acceptable, and whether CloudTrail would \
record and alert on the call.\n\nInputs are what the AWS CLI prints (get-account-authorization-details, \
describe-security-groups, describe-instances, describe-trails, ...), IAM policy documents, \
or a stopguard snapshot. Exit status: 0 clean, 1 findings at or above --fail-on, 2 error, \
3 (snapshot, audit) some account data could not be read."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Input files or folders (walked recursively); `-` reads stdin. JSON or YAML, optionally .gz
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Largest input accepted, in MiB, after decompression
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub max_input_mib: u64,
    /// A service control policy (`aws organizations describe-policy` output or a bare
    /// policy document); repeat once per level, from the root down to the account
    #[arg(long, value_name = "FILE")]
    pub scp: Vec<PathBuf>,
    /// Judge only CloudTrail events at or after this time: RFC 3339
    /// (2026-03-01T09:00:00Z) or a date (2026-03-01, from its start, UTC)
    #[arg(long, value_name = "TIME", value_parser = parse_since)]
    pub since: Option<i64>,
    /// Judge only CloudTrail events at or before this time: RFC 3339, or a date
    /// (through its end, UTC)
    #[arg(long, value_name = "TIME", value_parser = parse_until)]
    pub until: Option<i64>,
}

fn parse_time(s: &str, end_of_day: bool) -> Result<i64, String> {
    crate::load::timestamp::parse_bound(s, end_of_day).ok_or_else(|| {
        format!("{s:?} is not a time: use RFC 3339 (2026-03-01T09:00:00Z, 2026-03-01T10:00:00+01:00) or a date (2026-03-01)")
    })
}

fn parse_since(s: &str) -> Result<i64, String> {
    parse_time(s, false)
}

fn parse_until(s: &str) -> Result<i64, String> {
    parse_time(s, true)
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Add the Rego policies in this folder (or file); repeatable
    #[arg(long = "policy", value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// Leave the built-in policy pack out (use only --policy)
    #[arg(long)]
    pub no_builtin: bool,
    /// Parameter values (YAML or JSON object, e.g. `allowed_stoppers: ["arn:aws:iam::*:role/ops-*"]`)
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Stop a policy evaluation that runs longer than this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub policy_timeout: u64,
    /// Also evaluate this package the conftest way: once per input file, with the
    /// file's parsed document as `input` (package `main` always is); repeatable
    #[arg(long, value_name = "PACKAGE")]
    pub namespace: Vec<String>,
}

/// How `check` and `audit` report, and what the team has decided about findings.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding has this severity or higher
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Write the report to FILE (atomically; links are followed, /dev/null and pipes written into) instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to colour text output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Accepted risks (YAML): `exceptions: [{rule, resource, reason, expires}]`;
    /// excepted findings stay in the report and do not fail the build
    #[arg(long, value_name = "FILE")]
    pub exceptions: Option<PathBuf>,
    /// A previous `--format json` report: only findings not in it fail the build
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// Where and how to read a live account (the `aws` feature).
#[cfg(feature = "aws")]
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Named profile from ~/.aws/config and ~/.aws/credentials, as `aws --profile`
    /// (SSO, assumed roles and credential_process profiles all work)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Regions to read, comma-separated or repeated (default: every region enabled
    /// for the account, from ec2:DescribeRegions)
    #[arg(
        long = "regions",
        alias = "region",
        value_name = "REGION,...",
        value_delimiter = ','
    )]
    pub regions: Vec<String>,
    /// Send every request to this endpoint, e.g. an emulator (AWS_ENDPOINT_URL is
    /// honoured too)
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Requests in flight at most, across regions and services
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// No progress display on stderr (it is shown only on a terminal anyway);
    /// warnings about unreadable data are still printed
    #[arg(long, short)]
    pub quiet: bool,
    /// Read AWS Organizations (the SCPs that apply to the account) with this
    /// profile instead, e.g. a read-only role in the management account or a
    /// delegated administrator: member accounts usually may not read them
    #[arg(long, value_name = "NAME")]
    pub org_profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate the policies against exported or snapshotted account state
    Check {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        policies: PolicyArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Read a live account through the AWS API into a snapshot file (read-only calls).
    /// Exit 0: complete; 3: written, but some data could not be read (see `gaps`);
    /// 2: no snapshot written
    #[cfg(feature = "aws")]
    Snapshot {
        #[command(flatten)]
        aws: AwsArgs,
        /// The snapshot file to write (atomically)
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
    },
    /// Snapshot a live account in memory and check it: `snapshot` then `check`.
    /// Exit 1 on findings, else 3 when some data could not be read, else 0
    #[cfg(feature = "aws")]
    Audit {
        #[command(flatten)]
        aws: AwsArgs,
        /// A service control policy file; repeat once per level, root first
        #[arg(long, value_name = "FILE")]
        scp: Vec<PathBuf>,
        #[command(flatten)]
        policies: PolicyArgs,
        #[command(flatten)]
        report: ReportArgs,
        /// Also write the snapshot taken to FILE
        #[arg(long, value_name = "FILE")]
        snapshot_out: Option<PathBuf>,
    },
    /// List the principals that may perform an action, with the statements that grant it
    WhoCan {
        #[command(flatten)]
        input: InputArgs,
        /// The action, or an action pattern such as `ec2:Terminate*`
        #[arg(long, default_value = "ec2:StopInstances")]
        action: String,
        /// The resource ARN or pattern (default: every instance of the account)
        #[arg(long)]
        resource: Option<String>,
        /// A request-context key and value, KEY=VALUE; repeat a key for a list. When any
        /// context is given it is the whole request context: other keys are absent
        #[arg(long = "context", value_name = "KEY=VALUE")]
        context: Vec<String>,
        /// A JSON object of context keys to a string or a list of strings
        #[arg(long, value_name = "FILE")]
        context_file: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Listing::Text)]
        format: Listing,
        /// Write the result to FILE (atomically) instead of stdout
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Leave out principals that could only grant themselves the access
        /// (iam:PutUserPolicy on itself, iam:PassRole to a service, ...)
        #[arg(long)]
        no_escalation: bool,
    },
    /// Principals that gain or lose an action between two states (exit 1 on a gain)
    Diff {
        /// The state before: a file or folder of inputs
        before: PathBuf,
        /// The state after
        after: PathBuf,
        /// The action, or an action pattern
        #[arg(long, default_value = "ec2:StopInstances")]
        action: String,
        /// A service control policy file; repeat once per level, root first
        #[arg(long, value_name = "FILE")]
        scp: Vec<PathBuf>,
        /// Largest input accepted, in MiB, after decompression
        #[arg(long, value_name = "MIB", default_value_t = 1024)]
        max_input_mib: u64,
        /// Output format
        #[arg(long, value_enum, default_value_t = Listing::Text)]
        format: Listing,
    },
    /// Run the `test_*` rules of Rego policy tests, like `opa test`
    Test {
        /// Folders or files of policies and their `_test.rego` files (default: the built-in pack)
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Run only tests whose `package.name` contains this text
        #[arg(long, value_name = "PATTERN")]
        run: Option<String>,
        /// Report which lines of each policy the tests exercised
        #[arg(long)]
        coverage: bool,
        /// With --coverage: exit 1 when total coverage is below N percent
        #[arg(long, value_name = "N")]
        fail_under: Option<f64>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Listing::Text)]
        format: Listing,
        /// Leave the built-in pack (and its lib helpers) out
        #[arg(long)]
        no_builtin: bool,
    },
    /// Print the Rego `input` built from the given files (docs/input-schema.md)
    Input {
        #[command(flatten)]
        input: InputArgs,
    },
    /// Start a new policy from a template that passes its own test
    New {
        #[command(subcommand)]
        command: NewCommand,
    },
    /// List or describe the policies
    Policies {
        #[command(subcommand)]
        command: PoliciesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// Write DIR/NAME.rego and DIR/NAME_test.rego (never overwrites)
    Policy {
        /// Where and what, e.g. my-policies/ops_only_stop
        path: PathBuf,
        /// The rule id (default: the next free CUSTOM-NNN in DIR)
        #[arg(long)]
        id: Option<String>,
        /// The severity the policy declares
        #[arg(long, default_value = "medium", value_parser = parse_severity)]
        severity: Severity,
    },
}

#[derive(Debug, Subcommand)]
pub enum PoliciesCommand {
    /// Id, severity and title of every policy
    List {
        #[command(flatten)]
        policies: PolicyArgs,
    },
    /// Description, remediation and parameters of one policy
    Show {
        /// The rule id, e.g. SG-001
        id: String,
        #[command(flatten)]
        policies: PolicyArgs,
    },
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}
