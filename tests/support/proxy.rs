//! A tiny HTTP proxy in front of moto, for the tests of what moto itself never
//! does: throttle, and cut answers into small pages.
//!
//! Each request is read whole (the SDK sends a Content-Length), named by its API
//! (`X-Amz-Target` for the JSON protocols, `Action=` for the query protocols)
//! and region (the SigV4 credential scope), recorded, and then either answered
//! with the service's own throttling error or forwarded to moto, one connection
//! per request (`Connection: close` both ways). A page size can be forced on an
//! API by adding `MaxResults` to its requests: AWS may return fewer items than
//! asked for, so a collector must follow `NextToken` whatever the page size.
//!
//! Throttling errors, in each protocol's error shape (as the SDK's parsers read
//! them: `ec2_query_errors.rs`, `rest_xml_wrapped_errors.rs`, awsJson `__type`):
//! - EC2 (ec2 query): HTTP 503, `<Response><Errors><Error><Code>RequestLimitExceeded`
//!   (EC2 API Reference, "Error codes" and "Request throttling");
//! - IAM, STS (aws query): HTTP 400, `<ErrorResponse><Error><Type>Sender</Type>
//!   <Code>Throttling</Code>` (IAM API Reference, "Common errors": ThrottlingException
//!   is sent as code `Throttling`);
//! - awsJson (Organizations, CloudTrail): HTTP 400, `{"__type": "TooManyRequestsException"}`
//!   for Organizations, `ThrottlingException` otherwise.
//!
//! HTTP 400 carries no retry hint by itself: a retried 400 proves the SDK read
//! the error code.
#![allow(dead_code)]
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Seen {
    pub api: String,
    pub region: String,
    pub throttled: bool,
}

/// Throttle the first `times` requests of `api` (in `region`, if given).
#[derive(Debug, Clone)]
pub struct Throttle {
    pub api: &'static str,
    pub region: Option<&'static str>,
    pub times: usize,
}

#[derive(Default)]
struct State {
    throttles: Vec<(Throttle, usize)>,
    page_sizes: HashMap<&'static str, u32>,
    seen: Vec<Seen>,
}

pub struct Proxy {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    pub fn start(
        upstream_port: u16,
        throttles: &[Throttle],
        page_sizes: &[(&'static str, u32)],
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            throttles: throttles.iter().map(|t| (t.clone(), 0)).collect(),
            page_sizes: page_sizes.iter().copied().collect(),
            seen: Vec::new(),
        }));
        let shared = state.clone();
        // The thread ends with the test process; the listener is never closed.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, upstream_port, &state);
                });
            }
        });
        Proxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// (requests, of which throttled) for an API, in a region or all.
    pub fn count(&self, api: &str, region: Option<&str>) -> (usize, usize) {
        let seen = self.seen();
        let hits: Vec<&Seen> = seen
            .iter()
            .filter(|s| s.api == api && region.is_none_or(|r| s.region == r))
            .collect();
        (hits.len(), hits.iter().filter(|s| s.throttled).count())
    }
}

struct Request {
    head: Vec<(String, String)>,
    start: String,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Request> {
    let mut start = String::new();
    reader.read_line(&mut start)?;
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            head.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut req = Request {
        head,
        start: start.trim_end().to_string(),
        body: Vec::new(),
    };
    let len: usize = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    req.body = vec![0; len];
    reader.read_exact(&mut req.body)?;
    Ok(req)
}

fn api_of(req: &Request) -> String {
    if let Some(target) = req.header("x-amz-target") {
        return target.rsplit('.').next().unwrap_or(target).to_string();
    }
    String::from_utf8_lossy(&req.body)
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .unwrap_or_default()
        .to_string()
}

/// (region, service) from `Credential=KEY/DATE/REGION/SERVICE/aws4_request`.
fn scope_of(req: &Request) -> (String, String) {
    let auth = req.header("authorization").unwrap_or_default();
    let scope = auth
        .split("Credential=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap_or_default();
    let mut parts = scope.split('/').skip(2);
    (
        parts.next().unwrap_or_default().to_string(),
        parts.next().unwrap_or_default().to_string(),
    )
}

fn throttle_response(service: &str, json: bool) -> (u16, &'static str, String) {
    if json {
        let kind = if service == "organizations" {
            "TooManyRequestsException"
        } else {
            "ThrottlingException"
        };
        return (
            400,
            "application/x-amz-json-1.1",
            format!(r#"{{"__type":"{kind}","Message":"Rate exceeded"}}"#),
        );
    }
    if service == "ec2" {
        return (
            503,
            "text/xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>proxy-1</RequestID></Response>".into(),
        );
    }
    (
        400,
        "text/xml",
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>proxy-1</RequestId></ErrorResponse>".into(),
    )
}

fn with_page_size(req: &mut Request, size: u32) {
    if req.header("x-amz-target").is_some() {
        let body = String::from_utf8_lossy(&req.body).trim().to_string();
        let rest = body.strip_prefix('{').unwrap_or("}").trim_start();
        let sep = if rest.starts_with('}') { "" } else { "," };
        req.body = format!("{{\"MaxResults\":{size}{sep}{rest}").into_bytes();
    } else {
        req.body
            .extend_from_slice(format!("&MaxResults={size}").as_bytes());
    }
}

fn serve(client: TcpStream, upstream_port: u16, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut req = read_request(&mut reader)?;
    let api = api_of(&req);
    let (region, service) = scope_of(&req);
    let (throttle, size) = {
        let mut st = state.lock().unwrap();
        let mut throttle = false;
        for (t, n) in st.throttles.iter_mut() {
            if t.api == api && t.region.is_none_or(|r| r == region) && *n < t.times {
                *n += 1;
                throttle = true;
            }
        }
        st.seen.push(Seen {
            api: api.clone(),
            region: region.clone(),
            throttled: throttle,
        });
        (throttle, st.page_sizes.get(api.as_str()).copied())
    };
    let mut client = client;
    if throttle {
        let (status, kind, body) =
            throttle_response(&service, req.header("x-amz-target").is_some());
        write!(
            client,
            "HTTP/1.1 {status} Throttled\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        return client.flush();
    }
    if let Some(size) = size {
        with_page_size(&mut req, size);
    }
    let mut upstream = TcpStream::connect(("127.0.0.1", upstream_port))?;
    let mut out = format!("{}\r\n", req.start);
    for (k, v) in &req.head {
        if k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("connection") {
            continue;
        }
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    upstream.write_all(out.as_bytes())?;
    upstream.write_all(&req.body)?;
    upstream.flush()?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer)?;
    // The answer as moto gave it, but closing the connection after it.
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let mut rebuilt = String::new();
    for line in head.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        rebuilt.push_str(line);
        rebuilt.push_str("\r\n");
    }
    rebuilt.push_str("Connection: close");
    client.write_all(rebuilt.as_bytes())?;
    client.write_all(&answer[split..])?;
    client.flush()
}
