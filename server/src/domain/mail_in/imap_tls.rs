//! TLS for IMAP: rustls with the Mozilla roots (webpki-roots) and, when
//! `STEWARD_IMAP_EXTRA_CA_FILE` names one, the CA certificates of a PEM
//! file — the company CA that signed an in-house mail server's
//! certificate. Certificates are always verified; one that is not trusted
//! fails the connection with a message saying so and what to do.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::config::Config;

/// The TLS client settings of IMAP connections, built once at start-up.
#[derive(Clone)]
pub struct ImapTls {
    client: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for ImapTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImapTls")
    }
}

impl ImapTls {
    /// Fails (and so start-up does) when the extra CA file cannot be read
    /// or holds no usable certificate.
    pub fn new(config: &Config) -> anyhow::Result<ImapTls> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(file) = &config.imap_extra_ca_file {
            let added = add_pem_file(&mut roots, file).with_context(|| {
                format!(
                    "STEWARD_IMAP_EXTRA_CA_FILE ({}) must be a PEM file of CA certificates",
                    file.display()
                )
            })?;
            tracing::info!(file = %file.display(), certificates = added,
                "IMAP over TLS also trusts these CA certificates");
        }
        let client = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .context("TLS set-up failed")?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(ImapTls {
            client: Arc::new(client),
        })
    }

    pub(super) fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(self.client.clone())
    }
}

/// Adds every certificate of a PEM file (other blocks, such as a key,
/// are skipped); answers how many.
fn add_pem_file(roots: &mut rustls::RootCertStore, file: &Path) -> anyhow::Result<usize> {
    let pem = std::fs::read(file).context("it cannot be read")?;
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.context("it is not readable as PEM")?;
        roots
            .add(cert)
            .context("it holds a certificate that cannot be a trust anchor")?;
        added += 1;
    }
    if added == 0 {
        bail!("it holds no certificate (-----BEGIN CERTIFICATE-----)");
    }
    Ok(added)
}

/// A failed handshake in words: a refused certificate says so, and one
/// from an unknown CA how to trust it.
pub(super) fn handshake_failed(e: std::io::Error, host: &str, port: u16) -> anyhow::Error {
    let refused = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .and_then(|tls| match tls {
            rustls::Error::InvalidCertificate(why) => Some(why.clone()),
            _ => None,
        });
    match refused {
        Some(rustls::CertificateError::UnknownIssuer) => anyhow::anyhow!(
            "TLS with {host}:{port} failed: the server's certificate is not trusted ({e}): \
             it is not signed by a known CA; if a private CA signed it, add that CA to \
             STEWARD_IMAP_EXTRA_CA_FILE"
        ),
        Some(_) => anyhow::anyhow!(
            "TLS with {host}:{port} failed: the server's certificate is not trusted ({e})"
        ),
        None => anyhow::Error::new(e).context(format!("TLS with {host}:{port} failed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file(contents: &[u8]) -> (Config, std::path::PathBuf) {
        let file = std::env::temp_dir().join(format!("steward-ca-{}.pem", uuid::Uuid::new_v4()));
        std::fs::write(&file, contents).unwrap();
        let config = Config {
            imap_extra_ca_file: Some(file.clone()),
            ..Config::default()
        };
        (config, file)
    }

    #[test]
    fn an_unusable_extra_ca_file_stops_start_up_naming_the_setting() {
        let missing = Config {
            imap_extra_ca_file: Some("/nonexistent/steward-ca.pem".into()),
            ..Config::default()
        };
        let err = format!("{:#}", ImapTls::new(&missing).unwrap_err());
        assert!(
            err.contains("STEWARD_IMAP_EXTRA_CA_FILE") && err.contains("cannot be read"),
            "{err}"
        );
        let (no_certificate, file) = with_file(b"not a certificate\n");
        let err = format!("{:#}", ImapTls::new(&no_certificate).unwrap_err());
        assert!(err.contains("holds no certificate"), "{err}");
        std::fs::remove_file(file).ok();
        let (broken, file) = with_file(
            b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        );
        let err = format!("{:#}", ImapTls::new(&broken).unwrap_err());
        assert!(err.contains("cannot be a trust anchor"), "{err}");
        std::fs::remove_file(file).ok();
        // Without the setting, the Mozilla roots alone.
        assert!(ImapTls::new(&Config::default()).is_ok());
    }
}
