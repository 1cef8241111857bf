//! TLS for outbound requests (the external issuer's key set): rustls with the `ring`
//! provider. A leaf of the crate.

/// Installs rustls' `ring` provider as the process-wide default (idempotent). Every
/// `reqwest` client with TLS needs one: reqwest is built with `rustls-no-provider`, since
/// its default provider (aws-lc-rs) needs a much longer C build. Call it before building a
/// client.
pub fn install_tls_provider() {
    // `Err` only means a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
