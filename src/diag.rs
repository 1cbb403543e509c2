//! Every way stopguard can fail, as miette diagnostics that name the file and, where
//! there is one, point at the line and column. Only `main` renders them.
use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Source text attached to a diagnostic. Binary or huge files get none.
pub type Src = NamedSource<String>;

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error("cannot read {}", path.display())]
    #[diagnostic(
        code(stopguard::io),
        help("check that the path exists and is readable")
    )]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{name} is not valid {format}: {message}")]
    #[diagnostic(code(stopguard::parse))]
    Parse {
        name: String,
        format: &'static str,
        message: String,
        #[source_code]
        src: Option<Src>,
        #[label("{message}")]
        span: Option<SourceSpan>,
    },

    #[error("{name} is empty")]
    #[diagnostic(
        code(stopguard::empty_input),
        help("an input file must hold one JSON or YAML document")
    )]
    Empty { name: String },

    #[error("{name} is not a text file")]
    #[diagnostic(
        code(stopguard::binary_input),
        help("stopguard reads JSON or YAML, optionally gzip-compressed (.gz)")
    )]
    Binary { name: String },

    #[error("{name}: unsupported file type")]
    #[diagnostic(
        code(stopguard::unknown_file),
        help("inputs end in .json, .yaml, .yml, or one of those plus .gz; move other files out of the folder or name the files you mean")
    )]
    UnknownExtension { name: String },

    #[error("{name} is larger than the {limit_mib} MiB input limit")]
    #[diagnostic(
        code(stopguard::too_large),
        help("raise the limit with --max-input-mib if the file is trusted")
    )]
    TooLarge { name: String, limit_mib: u64 },

    #[error("{name}: {what}")]
    #[diagnostic(code(stopguard::unknown_shape), help("{help}"))]
    Shape {
        name: String,
        what: String,
        help: String,
    },

    #[error("{name}: {message}")]
    #[diagnostic(
        code(stopguard::template),
        help("fix the value in the template or plan; an intrinsic function stopguard cannot resolve is fine where it is allowed")
    )]
    Template {
        name: String,
        message: String,
        #[source_code]
        src: Option<Src>,
        #[label("{message}")]
        span: Option<SourceSpan>,
    },

    #[error("{name}: {message}")]
    #[diagnostic(code(stopguard::input))]
    Input {
        name: String,
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("{name}: {message}")]
    #[diagnostic(code(stopguard::cloudtrail_log), help("{help}"))]
    TrailLog {
        name: String,
        message: String,
        help: String,
    },

    #[error("invalid parameter data in {name}: {message}")]
    #[diagnostic(
        code(stopguard::data),
        help("the data file is an object whose top-level keys are parameter names; see `stopguard policies list`")
    )]
    Data { name: String, message: String },

    #[error("{message}")]
    #[diagnostic(code(stopguard::policy))]
    Policy {
        message: String,
        #[source_code]
        src: Option<Src>,
        #[label("here")]
        span: Option<SourceSpan>,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(stopguard::evaluation))]
    Eval {
        message: String,
        #[source_code]
        src: Option<Src>,
        #[label("while evaluating this")]
        span: Option<SourceSpan>,
    },

    #[error("cannot write {}", path.display())]
    #[diagnostic(code(stopguard::write))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{message}")]
    #[diagnostic(code(stopguard::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("no AWS credentials: {message}")]
    #[diagnostic(
        code(stopguard::aws::credentials),
        help("stopguard finds credentials as the AWS CLI does: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile (--profile NAME or AWS_PROFILE; run `aws sso login --profile NAME` for SSO), or an instance or container role")
    )]
    AwsCredentials { message: String },

    #[error("cannot reach {endpoint}: {message}")]
    #[diagnostic(
        code(stopguard::aws::unreachable),
        help("check the network and the region; for an emulator, check --endpoint-url or AWS_ENDPOINT_URL. No snapshot was written")
    )]
    AwsUnreachable { endpoint: String, message: String },

    #[error("{service}:{api} was denied: {message}")]
    #[diagnostic(
        code(stopguard::aws::access_denied),
        help("the auditing principal needs the read-only actions in examples/audit-role-policy.json. No snapshot was written")
    )]
    AwsAccessDenied {
        service: String,
        api: String,
        message: String,
    },

    #[error("{service}:{api} failed: {message}")]
    #[diagnostic(
        code(stopguard::aws::api),
        help("the call failed after the SDK's retries. No snapshot was written")
    )]
    AwsApi {
        service: String,
        api: String,
        message: String,
    },

    #[error("{count} problems")]
    #[diagnostic(code(stopguard::many))]
    Many {
        count: usize,
        #[related]
        errors: Vec<Error>,
    },
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            help: None,
        }
    }

    /// Several failures become one report, so a folder with three bad files says all three.
    pub fn collect(mut errors: Vec<Error>) -> Option<Error> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            count => Some(Error::Many { count, errors }),
        }
    }
}

/// Byte offset of a 1-based line and column in `text`, clamped to the text.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            // Clamped to the line itself: a column past its end points at its last
            // character, not at the start of the next line.
            let content = l.trim_end_matches(['\n', '\r']).len();
            let col = column.saturating_sub(1).min(content);
            return offset + col;
        }
        offset += l.len();
    }
    text.len()
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let prefix = text.as_bytes().get(..end).unwrap_or_default();
    u32::try_from(prefix.iter().filter(|&&b| b == b'\n').count() + 1).unwrap_or(u32::MAX)
}

/// The source to attach to a diagnostic: none for files too large to show usefully.
pub fn source_for(name: &str, text: &str) -> Option<Src> {
    const MAX_SHOWN: usize = 64 * 1024 * 1024;
    (text.len() <= MAX_SHOWN).then(|| NamedSource::new(name, text.to_string()))
}
