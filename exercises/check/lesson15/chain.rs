//! The check of exercise 15.3: the chain walk.

use std::fmt::Display;

use learn_mtls::cert::verify::{CLOCK_SKEW_SECS, Chain, Role, Root, Verifier};
use learn_mtls::cert::{CERTIFICATE_CONTEXT, CertificateBody, Usage};
use learn_mtls::trust::ClientName;
use learn_mtls_exercises::lesson15;

use crate::harness::{Result, below, same};

use super::fixtures::{
    NOT_AFTER, NOT_BEFORE, NOW, at, body, describe, guarded, issue, key, name, sign_as,
};
use super::handshake::{Pki, handshake_agrees};
use super::walk::Walk;

/// What can go wrong with a chain, one thing each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    RootExpired,
    RootNotYetValid,
    RootPathLenZero,
    NoIntermediate,
    IntermediateFromAnotherCa,
    IntermediateAltered,
    IntermediateIsServer,
    IntermediateIsClient,
    IntermediatePathLenFive,
    IntermediateExpired,
    IntermediateNotYetValid,
    IntermediateMissingFromChain,
    LeafSignedByRoot,
    LeafFromAnotherCa,
    LeafAltered,
    LeafExpired,
    LeafNotYetValid,
    LeafJustInsideSkew,
    LeafIsCa,
    WrongRole,
    WrongName,
    NoExpectedName,
}

const FAULTS: [Fault; 22] = [
    Fault::RootExpired,
    Fault::RootNotYetValid,
    Fault::RootPathLenZero,
    Fault::NoIntermediate,
    Fault::IntermediateFromAnotherCa,
    Fault::IntermediateAltered,
    Fault::IntermediateIsServer,
    Fault::IntermediateIsClient,
    Fault::IntermediatePathLenFive,
    Fault::IntermediateExpired,
    Fault::IntermediateNotYetValid,
    Fault::IntermediateMissingFromChain,
    Fault::LeafSignedByRoot,
    Fault::LeafFromAnotherCa,
    Fault::LeafAltered,
    Fault::LeafExpired,
    Fault::LeafNotYetValid,
    Fault::LeafJustInsideSkew,
    Fault::LeafIsCa,
    Fault::WrongRole,
    Fault::WrongName,
    Fault::NoExpectedName,
];

/// A chain to check: the root, the chain, the clock, the role, the name.
struct ChainCase {
    label: String,
    root: Root,
    chain: Chain,
    now: u64,
    role: Role,
    expected_name: Option<ClientName>,
}

impl Display for ChainCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let intermediate = self
            .chain
            .intermediate
            .as_ref()
            .map_or_else(|| "none".to_owned(), describe);
        write!(
            f,
            "{}\n    root = {}\n    intermediate = {intermediate}\n    leaf = {}\n    now = {}, role = {}, expected name = {:?}",
            self.label,
            describe(self.root.certificate()),
            describe(&self.chain.leaf),
            at(self.now),
            self.role,
            self.expected_name.as_ref().map(ClientName::as_str)
        )
    }
}

/// A chain root → intermediate → leaf for `role`, with `faults`.
fn chain_case(role: Role, faults: &[Fault]) -> ChainCase {
    let has = |f| faults.contains(&f);
    let (root_key, int_key, leaf_key, other) = (key(), key(), key(), key());
    let mut root_body = body(
        Usage::Ca { path_len: 1 },
        "tillway-root",
        &root_key,
        1,
        &root_key,
    );
    let mut int_body = body(
        Usage::Ca { path_len: 0 },
        "tillway-issuing",
        &int_key,
        2,
        &root_key,
    );
    let (usage, leaf_name) = match role {
        Role::Client => (Usage::Client, "noor-bakery"),
        Role::Server => (Usage::Server, "api.tillway"),
    };
    let mut leaf_body = body(usage, leaf_name, &leaf_key, 9, &int_key);
    let (mut int_signer, mut leaf_signer) = (&root_key, &int_key);
    let mut expected_name = (role == Role::Server).then(|| name(leaf_name));
    let mut role = role;
    let past = |b: &mut CertificateBody| {
        b.not_before = NOW - 10 * 86_400;
        b.not_after = NOW - 86_400;
    };
    let future = |b: &mut CertificateBody| {
        b.not_before = NOW + 86_400;
        b.not_after = NOW + 10 * 86_400;
    };

    if has(Fault::RootExpired) {
        past(&mut root_body);
    }
    if has(Fault::RootNotYetValid) {
        future(&mut root_body);
    }
    if has(Fault::RootPathLenZero) {
        root_body.usage = Usage::Ca { path_len: 0 };
    }
    if has(Fault::IntermediateFromAnotherCa) {
        int_body.issuer = other.public();
        int_signer = &other;
    }
    if has(Fault::IntermediateIsServer) {
        int_body.usage = Usage::Server;
    }
    if has(Fault::IntermediateIsClient) {
        int_body.usage = Usage::Client;
    }
    if has(Fault::IntermediatePathLenFive) {
        int_body.usage = Usage::Ca { path_len: 5 };
    }
    if has(Fault::IntermediateExpired) {
        past(&mut int_body);
    }
    if has(Fault::IntermediateNotYetValid) {
        future(&mut int_body);
    }
    if has(Fault::LeafSignedByRoot) || has(Fault::NoIntermediate) {
        leaf_body.issuer = root_key.public();
        leaf_signer = &root_key;
    }
    if has(Fault::LeafFromAnotherCa) {
        leaf_body.issuer = other.public();
        leaf_signer = &other;
    }
    if has(Fault::LeafExpired) {
        past(&mut leaf_body);
    }
    if has(Fault::LeafNotYetValid) {
        future(&mut leaf_body);
    }
    if has(Fault::LeafJustInsideSkew) {
        leaf_body.not_after = NOW - CLOCK_SKEW_SECS;
        leaf_body.not_before = NOW - 86_400;
    }
    if has(Fault::LeafIsCa) {
        leaf_body.usage = Usage::Ca { path_len: 0 };
    }
    if has(Fault::WrongRole) {
        role = match role {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        };
    }
    if has(Fault::WrongName) {
        expected_name = Some(name("api.tillwax"));
    }
    if has(Fault::NoExpectedName) {
        expected_name = None;
    }

    let root = Root::new(issue(root_body, &root_key)).expect("the check's own root");
    let mut intermediate = sign_as(&int_body, int_signer, CERTIFICATE_CONTEXT);
    if has(Fault::IntermediateAltered) {
        intermediate.body.serial += 1;
    }
    let mut leaf = sign_as(&leaf_body, leaf_signer, CERTIFICATE_CONTEXT);
    if has(Fault::LeafAltered) {
        leaf.body.not_after += 1;
    }
    let intermediate = (!has(Fault::NoIntermediate) && !has(Fault::IntermediateMissingFromChain))
        .then_some(intermediate);
    ChainCase {
        label: format!("faults: {faults:?}"),
        root,
        chain: Chain { leaf, intermediate },
        now: NOW,
        role,
        expected_name,
    }
}

fn agree_chain(case: &ChainCase) -> Result {
    let expected = Verifier::new(&case.root, case.now).verify_chain(
        &case.chain,
        case.role,
        case.expected_name.as_ref(),
    );
    let got = guarded(case, || {
        lesson15::chain::verify_chain(
            &case.root,
            case.now,
            &case.chain,
            case.role,
            case.expected_name.as_ref(),
        )
    })?;
    same("verify_chain's answer", case, &expected, &got)
}

/// 15.3: the chain walk.
pub fn chain() -> Result {
    // The simplest chain first: a client certified by the root itself.
    agree_chain(&chain_case(Role::Client, &[Fault::NoIntermediate]))?;
    for role in [Role::Client, Role::Server] {
        agree_chain(&chain_case(role, &[]))?;
        for fault in FAULTS {
            agree_chain(&chain_case(role, &[fault]))?;
        }
    }
    // Two faults at once: which one is reported first is part of the rules.
    for (i, &a) in FAULTS.iter().enumerate() {
        for &b in &FAULTS[i + 1..] {
            let role = [Role::Client, Role::Server][below(2)];
            agree_chain(&chain_case(role, &[a, b]))?;
        }
    }
    for _ in 0..60 {
        let role = [Role::Client, Role::Server][below(2)];
        let faults: Vec<Fault> = (0..1 + below(4))
            .map(|_| FAULTS[below(FAULTS.len())])
            .collect();
        agree_chain(&chain_case(role, &faults))?;
    }
    // Skew at the edges, on each certificate of the chain.
    for now in [
        NOT_BEFORE - CLOCK_SKEW_SECS - 1,
        NOT_BEFORE - CLOCK_SKEW_SECS,
        NOT_AFTER + CLOCK_SKEW_SECS,
        NOT_AFTER + CLOCK_SKEW_SECS + 1,
    ] {
        let mut case = chain_case(Role::Server, &[]);
        case.now = now;
        agree_chain(&case)?;
    }

    // Plugged into certified handshakes: your walk decides, on the client
    // (the server's chain of two) and on the server (the client's chain of one).
    let walk: Walk<'_> = &|v, c, r, n| lesson15::chain::verify_chain(v.root, v.now, c, r, n);
    let pki = Pki::new();
    let verifier = Verifier::new(&pki.root, NOW);
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        true,
        &pki.server_chain,
        &pki.client_key,
    )?;
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        false,
        &pki.client_chain,
        &pki.client_key,
    )?;
    // A server certificate for another name.
    let mut renamed = pki.server_chain;
    let mut b = renamed.leaf.body;
    b.name = name("shop.tillway");
    renamed.leaf = issue(b, &pki.issuing_key);
    handshake_agrees(&pki, &verifier, walk, true, &renamed, &pki.client_key)?;
    // A client logging in with a server certificate for its own key.
    let mut b = pki.client_chain.leaf.body;
    b.usage = Usage::Server;
    let as_server = Chain::leaf(issue(b, &pki.root_key));
    handshake_agrees(&pki, &verifier, walk, false, &as_server, &pki.client_key)?;
    // A client certified by the intermediate: a chain of two on the server.
    let mut b = pki.client_chain.leaf.body;
    b.issuer = pki.issuing_key.public();
    let below_issuing = Chain {
        leaf: issue(b, &pki.issuing_key),
        intermediate: Some(pki.issuing),
    };
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        false,
        &below_issuing,
        &pki.client_key,
    )?;
    // The same root key, but a root that allows no CA below it.
    let strict_root = Root::new(issue(
        body(
            Usage::Ca { path_len: 0 },
            "tillway-root",
            &pki.root_key,
            1,
            &pki.root_key,
        ),
        &pki.root_key,
    ))
    .expect("the check's own root");
    let strict = Verifier::new(&strict_root, NOW);
    handshake_agrees(
        &pki,
        &strict,
        walk,
        true,
        &pki.server_chain,
        &pki.client_key,
    )
}
