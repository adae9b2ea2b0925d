//! TLS to PostgreSQL, with libpq's `sslmode` words (managed services usually require TLS):
//!
//! - `disable`: no TLS;
//! - `prefer` (the default): TLS when the server offers it, without checking its certificate
//!   (libpq does the same), plain otherwise;
//! - `require`: TLS or no connection, the certificate not checked — unless `sslrootcert`
//!   names a CA file, then it is checked as for `verify-full`;
//! - `verify-ca`, `verify-full`: TLS with the certificate checked against `sslrootcert` (a
//!   PEM file, e.g. the managed service's CA bundle) or else the system's CAs, and the host
//!   name checked against it (for `verify-ca` too: stricter than libpq, never weaker).
//!
//! The PostgreSQL client knows only `disable`/`prefer`/`require`, so Kume takes `sslmode` and
//! `sslrootcert` off the address itself and hands the client the connector that does the rest.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// What the address asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyFull,
}

/// The TLS part of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub mode: SslMode,
    pub root_cert: Option<PathBuf>,
}

/// Splits `sslmode` and `sslrootcert` off a `postgresql://` address: (the address the client
/// parses, the TLS options).
pub fn split(url: &str) -> Result<(String, TlsOptions), String> {
    let mut options = TlsOptions {
        mode: SslMode::Prefer,
        root_cert: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), options));
    };
    let mut kept = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "sslmode" => {
                options.mode = match value.as_ref() {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" | "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(format!(
                            "sslmode={other} is not a TLS mode; use disable, prefer, require, verify-ca or verify-full"
                        ));
                    }
                }
            }
            "sslrootcert" => options.root_cert = Some(PathBuf::from(value.as_ref())),
            _ => {
                kept.append_pair(&key, &value);
                any = true;
            }
        }
    }
    if options.root_cert.is_some() && options.mode == SslMode::Require {
        options.mode = SslMode::VerifyFull;
    }
    let kept = kept.finish();
    Ok((
        if any {
            format!("{base}?{kept}")
        } else {
            base.to_string()
        },
        options,
    ))
}

impl TlsOptions {
    /// The client's own mode: it only needs to know whether TLS may be skipped.
    pub fn client_mode(&self) -> postgres::config::SslMode {
        match self.mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyFull => postgres::config::SslMode::Require,
        }
    }

    /// The connector for these options; an unreadable CA file is an error here, before any
    /// connection is tried.
    pub fn connector(&self) -> Result<MakeRustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let config = if self.mode == SslMode::VerifyFull {
            builder
                .with_root_certificates(self.roots()?)
                .with_no_client_auth()
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
                .with_no_client_auth()
        };
        Ok(MakeRustlsConnect::new(config))
    }

    fn roots(&self) -> Result<rustls::RootCertStore, String> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                let cannot = |e: &dyn std::fmt::Display| {
                    format!(
                        "sslrootcert={}: cannot read the CA certificates: {e}",
                        path.display()
                    )
                };
                for cert in CertificateDer::pem_file_iter(path).map_err(|e| cannot(&e))? {
                    roots
                        .add(cert.map_err(|e| cannot(&e))?)
                        .map_err(|e| cannot(&e))?;
                }
                if roots.is_empty() {
                    return Err(cannot(&"the file holds no PEM certificate"));
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
                if roots.is_empty() {
                    return Err("sslmode=verify-full: the system has no CA certificates (install Debian's ca-certificates) and no sslrootcert=FILE was given".into());
                }
            }
        }
        Ok(roots)
    }
}

/// Encryption without a checked certificate: libpq's `prefer` and `require`. The handshake's
/// signatures are still verified, so the session is bound to the certificate presented.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_come_off_the_address_and_the_rest_stays() {
        let (url, tls) = split(
            "postgresql://u@h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=5",
        )
        .unwrap();
        assert_eq!(url, "postgresql://u@h/db?connect_timeout=5");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(
            tls.root_cert.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        let (url, tls) = split("postgresql://u@h/db").unwrap();
        assert_eq!(
            (url.as_str(), tls.mode),
            ("postgresql://u@h/db", SslMode::Prefer)
        );
        let (_, tls) = split("postgresql://u@h/db?sslmode=require&sslrootcert=ca.pem").unwrap();
        assert_eq!(tls.mode, SslMode::VerifyFull, "a CA file is checked");
        assert!(
            split("postgresql://u@h/db?sslmode=always")
                .unwrap_err()
                .contains("sslmode=always")
        );
    }

    #[test]
    fn a_missing_ca_file_is_an_error_before_connecting() {
        let (_, tls) =
            split("postgresql://u@h/db?sslmode=verify-full&sslrootcert=/no/such.pem").unwrap();
        let e = tls.connector().err().unwrap();
        assert!(e.contains("sslrootcert=/no/such.pem: cannot read"), "{e}");
    }
}
