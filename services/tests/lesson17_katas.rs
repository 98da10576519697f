//! Lesson 17's katas: what the application decides once TLS has verified
//! the chain. Each one checks a single decision, on certificates made here.

use learn_mtls_real_tls::certs::{self, Algorithm, Identities};
use learn_mtls_real_tls::x509::{San, summarize};
use learn_mtls_services::identity::Identity;
use learn_mtls_services::monitor::{Status, days_between, status};
use learn_mtls_services::policy::{AllowList, Refusal};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

const PAYMENTS: &str = "spiffe://course.test/ns/shop/sa/payments";

fn der(pem: &str) -> Vec<u8> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .expect("PEM")
        .to_vec()
}

fn client(spiffe_id: Option<&str>) -> Identity {
    let ids = Identities {
        client_spiffe_id: spiffe_id.map(str::to_owned),
        server_spiffe_id: None,
    };
    let issued = certs::issue_with(Algorithm::Ed25519, "kata CA", 1, &ids).expect("issued");
    Identity::from_der(&der(&issued.client_pem)).expect("a certificate")
}

/// Kata 1: the peer name is the SPIFFE ID when there is one, the CN otherwise.
#[test]
fn kata_1_the_peer_is_the_spiffe_id_else_the_common_name() {
    let with = client(Some(PAYMENTS));
    assert_eq!(with.peer(), PAYMENTS);
    assert_eq!(with.sans, ["DNS:alice", &format!("URI:{PAYMENTS}")]);
    let without = client(None);
    assert_eq!(without.peer(), "alice");
    assert_eq!(without.spiffe_id, None);
    assert_eq!(without.to_json()["spiffe_id"], serde_json::Value::Null);
}

/// Kata 2: a URI SAN that is not `spiffe://` is not a SPIFFE ID.
#[test]
fn kata_2_only_a_spiffe_uri_is_a_spiffe_id() {
    let issued = certs::issue(Algorithm::EcdsaP256, "kata CA", 1).expect("issued");
    let mut summary = summarize(&der(&issued.client_pem)).expect("DER");
    summary
        .sans
        .push(San::Uri("https://course.test/alice".to_owned()));
    let who = Identity::from_summary(&summary);
    assert_eq!(who.spiffe_id, None);
    assert_eq!(who.peer(), "alice");
    summary.sans.push(San::Uri(PAYMENTS.to_owned()));
    assert_eq!(Identity::from_summary(&summary).peer(), PAYMENTS);
}

/// Kata 3: an empty allow-list admits every verified client; a non-empty
/// one admits exactly its IDs, refuses the rest by name, and refuses a
/// client with no SPIFFE ID.
#[test]
fn kata_3_the_allow_list_decides() {
    let payments = client(Some(PAYMENTS));
    let logs = client(Some("spiffe://course.test/ns/ops/sa/log-shipper"));
    let plain = client(None);
    let open = AllowList::default();
    for who in [&payments, &logs, &plain] {
        assert_eq!(open.decide(who), Ok(()));
    }
    let only = AllowList::new(vec![PAYMENTS.to_owned()]);
    assert_eq!(only.decide(&payments), Ok(()));
    assert_eq!(
        only.decide(&logs),
        Err(Refusal::NotAllowed(
            "spiffe://course.test/ns/ops/sa/log-shipper".to_owned()
        ))
    );
    assert_eq!(
        only.decide(&plain),
        Err(Refusal::NoSpiffeId("alice".to_owned()))
    );
}

/// Kata 4: IDs match exactly: not by prefix, not ignoring case, not with a
/// trailing slash.
#[test]
fn kata_4_a_prefix_is_not_a_match() {
    let only = AllowList::new(vec!["spiffe://course.test/ns/shop".to_owned()]);
    assert!(only.decide(&client(Some(PAYMENTS))).is_err());
    let only = AllowList::new(vec!["spiffe://course.test/ns/shop/sa/Payments".to_owned()]);
    assert!(only.decide(&client(Some(PAYMENTS))).is_err());
    let only = AllowList::new(vec![format!("{PAYMENTS}/")]);
    assert!(only.decide(&client(Some(PAYMENTS))).is_err());
}

/// Kata 5: days remaining round toward the past, as Python's
/// `timedelta.days`: one second after expiry is day -1, not day 0.
#[test]
fn kata_5_days_round_down() {
    let expiry = time::macros::datetime!(2030-01-31 12:00:00 UTC);
    let at = |seconds_before: i64| expiry - time::Duration::seconds(seconds_before);
    assert_eq!(days_between(at(86_400 * 30), expiry), 30);
    assert_eq!(days_between(at(86_400 * 30 - 1), expiry), 29);
    assert_eq!(days_between(at(1), expiry), 0);
    assert_eq!(days_between(at(0), expiry), 0);
    assert_eq!(days_between(at(-1), expiry), -1);
    assert_eq!(status(30, 30), Status::Healthy);
    assert_eq!(status(29, 30), Status::ExpiringSoon);
    assert_eq!(status(0, 30), Status::ExpiringSoon);
    assert_eq!(status(-1, 30), Status::Expired);
}

/// Kata 6: behind a terminating proxy the identity is a header, and only
/// a verdict of SUCCESS with a certificate that parses is one.
#[test]
fn kata_6_behind_a_proxy_only_its_verdict_counts() {
    use learn_mtls_services::proxied::{Missing, identity, percent_decode};
    let issued = certs::issue_with(
        Algorithm::EcdsaP256,
        "kata CA",
        1,
        &Identities {
            client_spiffe_id: Some(PAYMENTS.to_owned()),
            server_spiffe_id: None,
        },
    )
    .expect("issued");
    // nginx's $ssl_client_escaped_cert: the PEM with newlines, spaces,
    // '+', '/' and '=' escaped.
    let escaped: String = issued
        .client_pem
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' => c.to_string(),
            other => format!("%{:02X}", u32::from(other)),
        })
        .collect();
    assert_eq!(
        percent_decode(&escaped).as_deref(),
        Ok(issued.client_pem.as_str())
    );
    let who = identity(Some("SUCCESS"), Some(&escaped)).expect("an identity");
    assert_eq!(who.peer(), PAYMENTS);

    assert_eq!(identity(None, Some(&escaped)), Err(Missing::NoVerdict));
    assert_eq!(
        identity(Some("NONE"), Some(&escaped)),
        Err(Missing::NotVerified("NONE".to_owned()))
    );
    assert!(matches!(
        identity(Some("FAILED:unknown CA"), None),
        Err(Missing::NotVerified(_))
    ));
    assert!(matches!(
        identity(Some("SUCCESS"), None),
        Err(Missing::BadCertificate(_))
    ));
    assert!(matches!(
        identity(Some("SUCCESS"), Some("%2")),
        Err(Missing::BadCertificate(_))
    ));
    assert!(matches!(
        identity(Some("SUCCESS"), Some("%zz")),
        Err(Missing::BadCertificate(_))
    ));
    assert!(matches!(
        identity(Some("SUCCESS"), Some("not a pem")),
        Err(Missing::BadCertificate(_))
    ));
}

/// Kata 7: over gRPC the same decision is a status code: the echo and the
/// caller's name to an admitted client, PERMISSION_DENIED naming the
/// refused one (never UNAUTHENTICATED: its certificate was fine).
#[test]
fn kata_7_grpc_refuses_with_permission_denied() {
    use learn_mtls_services::grpc::{SayRequest, say_reply};
    let request = SayRequest {
        message: "pay 10".to_owned(),
    };
    let only = AllowList::new(vec![PAYMENTS.to_owned()]);
    let reply = say_reply(&request, &client(Some(PAYMENTS)), &only).expect("admitted");
    assert_eq!(
        (reply.message.as_str(), reply.peer.as_str()),
        ("pay 10", PAYMENTS)
    );
    let refused = say_reply(
        &request,
        &client(Some("spiffe://course.test/ns/ops/sa/log-shipper")),
        &only,
    )
    .expect_err("refused");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    assert!(
        refused.message().contains("log-shipper"),
        "{}",
        refused.message()
    );
    let open = say_reply(&request, &client(None), &AllowList::default()).expect("admitted");
    assert_eq!(open.peer, "alice");
}
