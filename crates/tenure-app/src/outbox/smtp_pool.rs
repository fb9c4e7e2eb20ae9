//! SMTP connections we open ourselves and hand to lettre, pooled here.
//!
//! Why not lettre's own pool: measured, it sends ~310 messages/s to a local server on this
//! machine while both sides sit idle (`bench/RESULTS.md`). lettre writes a message's body and the
//! `\r\n.\r\n` that ends it as two writes on a socket without `TCP_NODELAY`, so the terminator
//! waits for the ACK of the body, which the server delays (it has nothing to answer yet): about
//! 27 ms per message per connection; its pool also sends a NOOP each time a connection is taken.
//! Here each connection is a `TcpStream` with `TCP_NODELAY`, given to lettre's
//! `AsyncSmtpConnection::connect_with_transport` (EHLO, then STARTTLS and AUTH as the URL says),
//! and tested with a NOOP only when it sat idle for a while. lettre still speaks the protocol.
//!
//! Implicit TLS (`smtps://`) keeps lettre's own transport: lettre has no public way to start TLS
//! on a stream it did not open. `?ca_file=PATH` trusts one more certificate for STARTTLS.

use std::time::{Duration, Instant};

use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::sync::{Mutex, Semaphore};

use super::mailer::SendFailure;

/// How the connections are opened.
#[derive(Debug, Clone)]
pub struct SmtpTarget {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// STARTTLS: required (refuse a server without it), opportunistic, or none (loopback only).
    pub starttls: StartTls,
    /// AUTH credentials.
    pub credentials: Option<(String, String)>,
    /// A certificate (PEM) to trust besides the bundled roots: a company's own CA, a test server.
    pub extra_root: Option<Vec<u8>>,
}

/// Whether a connection upgrades to TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTls {
    /// Plain (a relay on this machine).
    Never,
    /// When the server offers it.
    Opportunistic,
    /// Always; a server without it is an error.
    Required,
}

/// A connection idle for longer than this is tested with a NOOP before it is used again.
const FRESH: Duration = Duration::from_secs(5);

/// At most this many connections, like lettre's pool.
pub const MAX_CONNECTIONS: usize = 8;

/// How long connecting (and each command) may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Pooled SMTP connections to one server.
pub struct SmtpPool {
    target: SmtpTarget,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    permits: Semaphore,
}

impl SmtpPool {
    /// A pool that connects to `target` when it needs to.
    pub fn new(target: SmtpTarget) -> Self {
        SmtpPool { target, idle: Mutex::new(Vec::new()), permits: Semaphore::new(MAX_CONNECTIONS) }
    }

    /// Sends `message` on a pooled connection (a new one when none is idle or usable).
    pub async fn send(&self, message: &Message) -> Result<(), SendFailure> {
        let _permit =
            self.permits.acquire().await.map_err(|_| transient("the SMTP pool is closed".into()))?;
        let mut connection = self.take().await?;
        let sent =
            tokio::time::timeout(TIMEOUT, connection.send(message.envelope(), &message.formatted())).await;
        match sent {
            Ok(Ok(_)) => {
                self.idle.lock().await.push((connection, Instant::now()));
                Ok(())
            }
            Ok(Err(error)) => {
                if !error.is_permanent() {
                    connection.abort().await;
                } else if !connection.has_broken() {
                    // A refused message leaves the connection usable.
                    self.idle.lock().await.push((connection, Instant::now()));
                }
                Err(SendFailure { permanent: error.is_permanent(), error: format!("SMTP: {error}") })
            }
            Err(_) => {
                connection.abort().await;
                Err(transient("SMTP: the server did not answer in time".into()))
            }
        }
    }

    /// An idle connection that still works, or a new one.
    async fn take(&self) -> Result<AsyncSmtpConnection, SendFailure> {
        loop {
            let Some((mut connection, since)) = self.idle.lock().await.pop() else { break };
            if connection.has_broken() {
                continue;
            }
            if since.elapsed() < FRESH || connection.test_connected().await {
                return Ok(connection);
            }
            connection.abort().await;
        }
        tokio::time::timeout(TIMEOUT, self.connect())
            .await
            .unwrap_or_else(|_| Err(transient(format!("SMTP: connecting to {} timed out", self.target.host))))
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendFailure> {
        let target = &self.target;
        let stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(|e| transient(format!("SMTP: connecting to {}:{}: {e}", target.host, target.port)))?;
        stream.set_nodelay(true).map_err(|e| transient(format!("SMTP: {e}")))?;
        let hello = ClientId::default();
        let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
            .await
            .map_err(|e| transient(format!("SMTP: {e}")))?;
        let upgrade = match target.starttls {
            StartTls::Never => false,
            StartTls::Opportunistic => connection.can_starttls(),
            StartTls::Required if connection.can_starttls() => true,
            StartTls::Required => {
                return Err(transient(format!(
                    "SMTP: {} does not offer STARTTLS, which the URL requires",
                    target.host
                )));
            }
        };
        if upgrade {
            let mut builder = TlsParameters::builder(target.host.clone());
            if let Some(pem) = &target.extra_root {
                let root =
                    Certificate::from_pem(pem).map_err(|e| transient(format!("SMTP TLS: ca_file: {e}")))?;
                builder = builder.add_root_certificate(root);
            }
            let parameters = builder.build_rustls().map_err(|e| transient(format!("SMTP TLS: {e}")))?;
            connection
                .starttls(parameters, &hello)
                .await
                .map_err(|e| transient(format!("SMTP STARTTLS: {e}")))?;
        }
        if let Some((user, password)) = &target.credentials {
            let credentials = Credentials::new(user.clone(), password.clone());
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await
                .map_err(|e| SendFailure { permanent: false, error: format!("SMTP AUTH: {e}") })?;
        }
        Ok(connection)
    }
}

fn transient(error: String) -> SendFailure {
    SendFailure { error, permanent: false }
}

/// The target of an `smtp://` URL (not `smtps://`); `None` for other schemes.
pub fn target_of(url: &str) -> Result<Option<SmtpTarget>, String> {
    if !url.starts_with("smtp://") {
        return Ok(None);
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    let host = parsed.host_str().ok_or("no host")?.trim_start_matches('[').trim_end_matches(']').to_string();
    let tls = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let starttls = match tls.as_deref() {
        None => StartTls::Never,
        Some("required") => StartTls::Required,
        Some("opportunistic") => StartTls::Opportunistic,
        Some(other) => return Err(format!("tls={other}: use tls=required or tls=opportunistic")),
    };
    let port = parsed.port().unwrap_or(if starttls == StartTls::Never { 25 } else { 587 });
    let decode = |text: &str| {
        percent_decode(text)
            .ok_or_else(|| "the user or password is not valid percent-encoded UTF-8".to_string())
    };
    let credentials = match parsed.password() {
        Some(password) => Some((decode(parsed.username())?, decode(password)?)),
        None => None,
    };
    let extra_root = match parsed.query_pairs().find(|(k, _)| k == "ca_file") {
        Some((_, path)) => Some(std::fs::read(path.as_ref()).map_err(|e| format!("ca_file `{path}`: {e}"))?),
        None => None,
    };
    Ok(Some(SmtpTarget { host, port, starttls, credentials, extra_root }))
}

/// `%XX` sequences decoded; `None` when the result is not UTF-8 or a sequence is broken.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_port_tls_and_decoded_credentials() {
        let plain = target_of("smtp://127.0.0.1:2525").unwrap().unwrap();
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.starttls, plain.credentials),
            ("127.0.0.1", 2525, StartTls::Never, None)
        );
        let submission =
            target_of("smtp://ann%40shop:p%C3%A4ss%2Fw@mail.example?tls=required").unwrap().unwrap();
        assert_eq!((submission.port, submission.starttls), (587, StartTls::Required));
        assert_eq!(submission.credentials, Some(("ann@shop".to_string(), "päss/w".to_string())));
        assert!(target_of("smtps://mail.example").unwrap().is_none(), "implicit TLS stays with lettre");
        assert!(target_of("smtp://mail.example?tls=maybe").unwrap_err().contains("tls=maybe"));
    }
}
