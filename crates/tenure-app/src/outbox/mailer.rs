//! Where e-mails go, named by one URL:
//!
//! - `smtp://[user:pass@]host[:port]` — plain SMTP, only to a loopback host (a local relay);
//! - `smtp://…?tls=required` — STARTTLS (port 587 by default), refused without TLS;
//!   `&ca_file=PATH` trusts that PEM certificate too (a company's own CA);
//! - `smtps://…` — implicit TLS (port 465);
//! - `file:DIR` — each message written to `DIR/{message-id}.eml` (the demo, trying things);
//! - `log:` — one line per message on standard error: recipient and subject, never the body.
//!
//! SMTP goes through lettre's async transport with a pool of connections and rustls. A 5xx
//! answer is permanent (the message is dead at once); anything else is tried again.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::smtp_pool::{SmtpPool, target_of};

/// Connections kept to the SMTP server.
const SMTP_POOL_SIZE: u32 = super::smtp_pool::MAX_CONNECTIONS as u32;

/// How long one SMTP command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A configured e-mail transport.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP server.
    Smtp {
        /// The connections.
        transport: SmtpTransport,
        /// The URL without its password, for messages.
        shown: String,
    },
    /// `.eml` files in a folder.
    File(PathBuf),
    /// Standard error.
    Log,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// How SMTP connections are made: our own pool with `TCP_NODELAY` for `smtp://` (see
/// `smtp_pool.rs` for why), lettre's pooled transport for implicit TLS.
#[derive(Clone)]
pub enum SmtpTransport {
    /// `smtp://`, plain or STARTTLS.
    Pooled(Arc<SmtpPool>),
    /// `smtps://`.
    Lettre(AsyncSmtpTransport<Tokio1Executor>),
}

/// Why an attempt failed, and whether trying again could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// What happened (no secrets).
    pub error: String,
    /// True when retrying cannot help (a 5xx answer, a message that cannot be built).
    pub permanent: bool,
}

impl Mailer {
    /// The transport `url` names; see the module docs.
    pub fn from_url(url: &str) -> Result<Mailer, String> {
        let url = url.trim();
        if url == "log:" || url == "log" {
            return Ok(Mailer::Log);
        }
        if let Some(dir) = url.strip_prefix("file:") {
            let dir = dir.strip_prefix("//").unwrap_or(dir);
            if dir.is_empty() {
                return Err("file: needs a folder, as in file:outbox-mail".into());
            }
            return Ok(Mailer::File(PathBuf::from(dir)));
        }
        if url.starts_with("smtp://") || url.starts_with("smtps://") {
            return smtp(url);
        }
        Err(format!(
            "`{}` is not a mail URL: use smtp://host:port (?tls=required for STARTTLS), smtps://host, file:DIR or log:",
            redact(url)
        ))
    }

    /// The transport for messages and logs, without a password.
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { shown, .. } => shown.clone(),
            Mailer::File(dir) => format!("file:{}", dir.display()),
            Mailer::Log => "log:".into(),
        }
    }

    /// Sends `message`, whose file name (for `file:`) is `name`.
    pub async fn send(&self, message: Message, name: &str, to: &str) -> Result<(), SendFailure> {
        match self {
            Mailer::Smtp { transport: SmtpTransport::Pooled(pool), .. } => pool.send(&message).await,
            Mailer::Smtp { transport: SmtpTransport::Lettre(transport), .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendFailure { permanent: e.is_permanent(), error: format!("SMTP: {e}") }),
            Mailer::File(dir) => write_eml(dir, name, &message.formatted()).await,
            Mailer::Log => {
                crate::outbox::log_line("mail", to, name);
                Ok(())
            }
        }
    }
}

fn smtp(url: &str) -> Result<Mailer, String> {
    let parsed_host = host_of(url).ok_or_else(|| format!("`{}` names no host", redact(url)))?;
    let plain = url.starts_with("smtp://") && !url.contains("tls=");
    if plain && !is_loopback(&parsed_host) {
        return Err(format!(
            "`{}` would send mail and passwords unencrypted to {parsed_host}: add ?tls=required (STARTTLS) or use smtps://",
            redact(url)
        ));
    }
    if let Some(target) = target_of(url).map_err(|e| format!("`{}`: {e}", redact(url)))? {
        let transport = SmtpTransport::Pooled(Arc::new(SmtpPool::new(target)));
        return Ok(Mailer::Smtp { transport, shown: redact(url) });
    }
    let builder =
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("`{}`: {e}", redact(url)))?;
    let transport = builder
        .timeout(Some(SMTP_TIMEOUT))
        .pool_config(PoolConfig::new().max_size(SMTP_POOL_SIZE).idle_timeout(Duration::from_secs(60)))
        .build();
    Ok(Mailer::Smtp { transport: SmtpTransport::Lettre(transport), shown: redact(url) })
}

/// The host of `scheme://[user[:pass]@]host[:port][/…][?…]`.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if let Some(inner) = host_port.strip_prefix('[') {
        inner.split_once(']')?.0
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_string())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `url` with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    tenure_domain::redact_password(url)
}

/// Writes `bytes` to `dir/name.eml` through a temporary file, so that a reader never sees half a
/// message and a repeated delivery replaces the file instead of adding one.
async fn write_eml(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<(), SendFailure> {
    let failure =
        |e: std::io::Error| SendFailure { error: format!("{}: {e}", dir.display()), permanent: false };
    tokio::fs::create_dir_all(dir).await.map_err(failure)?;
    let file_name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let temporary = dir.join(format!(".{file_name}.tmp"));
    tokio::fs::write(&temporary, bytes).await.map_err(failure)?;
    tokio::fs::rename(&temporary, dir.join(format!("{file_name}.eml"))).await.map_err(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_transport() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let _inside = runtime.enter();
        assert!(matches!(Mailer::from_url("log:"), Ok(Mailer::Log)));
        assert!(
            matches!(Mailer::from_url("file:out/mail"), Ok(Mailer::File(dir)) if dir == std::path::Path::new("out/mail"))
        );
        assert!(matches!(Mailer::from_url("smtp://127.0.0.1:2525"), Ok(Mailer::Smtp { .. })));
        assert!(matches!(
            Mailer::from_url("smtp://u:p@mail.example:587?tls=required"),
            Ok(Mailer::Smtp { .. })
        ));
        assert!(matches!(Mailer::from_url("smtps://u:p@mail.example"), Ok(Mailer::Smtp { .. })));
    }

    #[test]
    fn plain_smtp_beyond_this_machine_is_refused_without_showing_the_password() {
        let error = Mailer::from_url("smtp://ann:hunter2@mail.example:587").unwrap_err();
        assert!(error.contains("unencrypted"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        assert!(Mailer::from_url("http://mail.example").unwrap_err().contains("not a mail URL"));
    }

    #[test]
    fn the_description_hides_the_password() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let _inside = runtime.enter();
        let mailer = Mailer::from_url("smtps://ann:hunter2@mail.example:465").unwrap();
        assert_eq!(mailer.describe(), "smtps://ann:***@mail.example:465");
    }

    #[test]
    fn hosts_are_read_from_every_form_of_url() {
        assert_eq!(host_of("smtp://a:b@[::1]:25").as_deref(), Some("::1"));
        assert_eq!(host_of("smtp://localhost:2525?x=1").as_deref(), Some("localhost"));
        assert_eq!(host_of("smtps://mail.example").as_deref(), Some("mail.example"));
    }
}
