//! The walk, piece by piece: the library's, with any piece replaced by yours.

use learn_mtls::cert::Certificate;
use learn_mtls::cert::crl::RevocationList;
use learn_mtls::cert::verify::{
    self, CertError, Chain, Role, StaleCrl, VerifiedIssuer, VerifiedPeer, Verifier,
};
use learn_mtls::keys::PublicIdentity;
use learn_mtls::trust::ClientName;

type IssuerSignature = fn(&Certificate, &PublicIdentity) -> std::result::Result<(), CertError>;
type Validity = fn(&Certificate, u64) -> std::result::Result<(), CertError>;
type CrlCheck =
    fn(&RevocationList<'_>, &PublicIdentity, u64, StaleCrl) -> std::result::Result<(), CertError>;
type NotRevoked = fn(&Certificate, &RevocationList<'_>) -> std::result::Result<(), CertError>;

/// The four pieces the exercises write; [`LIBRARY`] has the library's.
#[derive(Clone, Copy)]
pub(super) struct Pieces {
    pub(super) issuer_signature: IssuerSignature,
    pub(super) validity: Validity,
    pub(super) crl: CrlCheck,
    pub(super) not_revoked: NotRevoked,
}

pub(super) const LIBRARY: Pieces = Pieces {
    issuer_signature: verify::check_issuer_signature,
    validity: verify::check_validity,
    crl: verify::check_crl,
    not_revoked: verify::check_not_revoked,
};

/// A chain check as a handshake uses it.
pub(super) type Walk<'w> = &'w dyn Fn(
    &Verifier<'_>,
    &Chain,
    Role,
    Option<&ClientName>,
) -> std::result::Result<VerifiedPeer, CertError>;

/// `Verifier::verify_chain`, step for step (the specification's
/// "Verification"), with `pieces` doing four of the steps.
pub(super) fn walk_with(
    pieces: Pieces,
    verifier: &Verifier<'_>,
    chain: &Chain,
    role: Role,
    expected_name: Option<&ClientName>,
) -> std::result::Result<VerifiedPeer, CertError> {
    let root = verifier.root.certificate();
    (pieces.validity)(root, verifier.now)?;
    let mut issuer = root;
    let mut cas_below = u8::from(chain.intermediate.is_some());
    for cert in chain.intermediate.iter().chain([&chain.leaf]) {
        (pieces.issuer_signature)(cert, &issuer.body.key)?;
        verify::check_may_issue(issuer, cas_below)?;
        (pieces.validity)(cert, verifier.now)?;
        let list = verifier
            .crls
            .iter()
            .filter(|crl| crl.issuer == issuer.body.key)
            .max_by_key(|crl| crl.this_update);
        match list {
            Some(crl) => {
                (pieces.crl)(crl, &issuer.body.key, verifier.now, verifier.stale)?;
                (pieces.not_revoked)(cert, crl)?;
            }
            None if !verifier.crls.is_empty() => {
                return Err(CertError::NoCrl {
                    issuer: issuer.body.key.fingerprint(),
                });
            }
            None => {}
        }
        issuer = cert;
        cas_below = cas_below.saturating_sub(1);
    }
    verify::check_usage(&chain.leaf, role)?;
    if let Some(expected) = expected_name {
        verify::check_name(&chain.leaf, expected)?;
    }
    Ok(VerifiedPeer {
        name: chain.leaf.body.name,
        serial: chain.leaf.body.serial,
        key: chain.leaf.body.key,
        not_after: chain.leaf.body.not_after,
        issuer: chain.leaf.body.issuer,
        intermediate: chain.intermediate.map(|cert| VerifiedIssuer {
            name: cert.body.name,
            serial: cert.body.serial,
            not_after: cert.body.not_after,
            issuer: cert.body.issuer,
        }),
    })
}
