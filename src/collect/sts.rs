//! STS: who is asking, and so which account this is.
use aws_config::retry::RetryConfig;
use aws_config::SdkConfig;

use super::{classify, Failure};

/// The account id from `GetCallerIdentity`. It is the first call made, so an
/// unreachable endpoint is retried only once before it is reported.
pub async fn account_id(config: &SdkConfig) -> Result<String, Failure> {
    let conf = aws_sdk_sts::config::Builder::from(config)
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .build();
    let client = aws_sdk_sts::Client::from_conf(conf);
    let out = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| classify(&e))?;
    out.account()
        .map(str::to_string)
        .ok_or_else(|| Failure::Other("GetCallerIdentity returned no account id".into()))
}
