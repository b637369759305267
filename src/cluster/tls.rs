//! What a `rediss://` connection trusts, and the rustls configuration built
//! from it.
//!
//! The redis crate's TLS features are not used: each of them reads the
//! system's certificate store through rustls-native-certs, which links
//! Apple's Security and CoreFoundation frameworks on macOS. The roots are
//! built here instead, from sources that need nothing of the system:
//!
//! - without `ca`: the Mozilla roots compiled in (`webpki-roots`), plus every
//!   certificate of the PEM bundle named by `SSL_CERT_FILE`, plus those of
//!   the PEM files in the directories of `SSL_CERT_DIR` (a list separated as
//!   `PATH` is, as OpenSSL reads it);
//! - with the pool's `ca` option: its certificates only, as Node's `tls`
//!   treats its `ca` option (they replace the defaults, environment
//!   included).
//!
//! `connection::Connector` makes the TLS connections with the result.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// Where a node's TLS connections find the certificates they trust.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trust {
    /// The pool's `ca` option, PEM texts: when given, the only roots.
    pub ca: Option<Vec<String>>,
    /// `SSL_CERT_FILE` as the pool's process had it: a PEM bundle.
    pub cert_file: Option<PathBuf>,
    /// `SSL_CERT_DIR` as the pool's process had it: directories of PEM files.
    pub cert_dir: Option<String>,
}

/// The roots `trust` describes. Fails, naming the source, on a `ca` entry
/// that holds no certificate or one that cannot be read, and on an
/// `SSL_CERT_FILE` that cannot be read or is not valid PEM; files of
/// `SSL_CERT_DIR` that are not certificates are skipped (such a directory
/// holds other things too: OpenSSL's hash links, revocation lists), and so
/// are its directories that do not exist.
pub fn root_store(trust: &Trust) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    if let Some(ca) = &trust.ca {
        for (index, pem) in ca.iter().enumerate() {
            let added = add_pem(&mut roots, pem.as_bytes()).map_err(|why| format!("\"cluster.ca[{index}]\": {why}"))?;
            if added == 0 {
                return Err(format!("\"cluster.ca[{index}]\" holds no PEM certificate"));
            }
        }
        return Ok(roots);
    }
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(file) = &trust.cert_file {
        let shown = file.display();
        let pem = std::fs::read(file).map_err(|error| format!("SSL_CERT_FILE={shown} cannot be read: {error}"))?;
        add_pem(&mut roots, &pem).map_err(|why| format!("SSL_CERT_FILE={shown}: {why}"))?;
    }
    if let Some(dirs) = &trust.cert_dir {
        for dir in std::env::split_paths(dirs) {
            add_directory(&mut roots, &dir);
        }
    }
    Ok(roots)
}

/// A client configuration (ring, TLS 1.2 and 1.3, no client certificate)
/// trusting the roots of `trust`.
pub fn client_config(trust: &Trust) -> Result<Arc<ClientConfig>, String> {
    let roots = root_store(trust)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS settings: {error}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Adds every certificate of a PEM text (other sections, such as keys, are
/// skipped); returns how many.
fn add_pem(roots: &mut RootCertStore, pem: &[u8]) -> Result<usize, String> {
    let mut added = 0;
    for certificate in CertificateDer::pem_slice_iter(pem) {
        let certificate = certificate.map_err(|error| format!("not valid PEM: {error}"))?;
        roots.add(certificate).map_err(|error| format!("a certificate that cannot be used: {error}"))?;
        added += 1;
    }
    Ok(added)
}

/// Adds the certificates of each file of `dir` that is a PEM file of
/// certificates, in the order of their names.
fn add_directory(roots: &mut RootCertStore, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
    files.sort();
    for file in files {
        // A subdirectory or an unreadable file fails here, and is skipped.
        let Ok(pem) = std::fs::read(&file) else { continue };
        if let Ok(certificates) = CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>() {
            roots.add_parsable_certificates(certificates);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{root_store, Trust};

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("__test__/fixtures/tls").join(name)
    }

    fn pem(name: &str) -> String {
        std::fs::read_to_string(fixture(name)).unwrap()
    }

    /// A directory of its own under the system's temporary one, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("pp-tls-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_mozilla_roots_by_default() {
        let roots = root_store(&Trust::default()).unwrap();
        assert_eq!(roots.len(), webpki_roots::TLS_SERVER_ROOTS.len());
    }

    #[test]
    fn ca_replaces_the_defaults_and_the_environment() {
        let trust = Trust {
            ca: Some(vec![pem("ca.pem"), pem("server.pem")]),
            cert_file: Some(fixture("ca.pem")),
            cert_dir: Some(fixture("").display().to_string()),
        };
        assert_eq!(root_store(&trust).unwrap().len(), 2);
    }

    #[test]
    fn a_ca_without_a_certificate_is_refused_by_its_index() {
        let key_only = pem("server.key");
        let trust = Trust { ca: Some(vec![pem("ca.pem"), key_only]), ..Trust::default() };
        let why = root_store(&trust).unwrap_err();
        assert!(why.contains("\"cluster.ca[1]\" holds no PEM certificate"), "{why}");

        let garbled = pem("ca.pem").replace("MI", "M!");
        let why = root_store(&Trust { ca: Some(vec![garbled]), ..Trust::default() }).unwrap_err();
        assert!(why.contains("\"cluster.ca[0]\""), "{why}");
    }

    #[test]
    fn ssl_cert_file_adds_to_the_defaults() {
        let trust = Trust { cert_file: Some(fixture("ca.pem")), ..Trust::default() };
        assert_eq!(root_store(&trust).unwrap().len(), webpki_roots::TLS_SERVER_ROOTS.len() + 1);

        let missing = Trust { cert_file: Some(fixture("missing.pem")), ..Trust::default() };
        let why = root_store(&missing).unwrap_err();
        assert!(why.starts_with("SSL_CERT_FILE=") && why.contains("missing.pem"), "{why}");
    }

    #[test]
    fn ssl_cert_dir_adds_each_directory_skipping_what_is_not_a_certificate() {
        let first = TempDir::new("first");
        let second = TempDir::new("second");
        std::fs::write(first.0.join("ca.pem"), pem("ca.pem")).unwrap();
        std::fs::write(first.0.join("notes.txt"), "not a certificate").unwrap();
        std::fs::write(first.0.join("broken.pem"), pem("ca.pem").replace("MI", "M!")).unwrap();
        std::fs::create_dir(first.0.join("nested")).unwrap();
        std::fs::write(second.0.join("server.pem"), pem("server.pem")).unwrap();
        let dirs =
            std::env::join_paths([first.0.clone(), PathBuf::from("/nonexistent/pp-tls"), second.0.clone()]).unwrap();
        let trust = Trust { cert_dir: Some(dirs.into_string().unwrap()), ..Trust::default() };
        assert_eq!(root_store(&trust).unwrap().len(), webpki_roots::TLS_SERVER_ROOTS.len() + 2);
    }
}
