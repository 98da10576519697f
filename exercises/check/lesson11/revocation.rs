//! The check of exercise 11.4: the revocation check.

use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual;
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::net::os_rng;
use learn_mtls::trust::lists::{AuthorizedKeys, RevokedKeys, WithRevocations};
use learn_mtls::trust::{AuthorizedKey, Refusal, TrustPolicy};
use learn_mtls_exercises::lesson11::revocation::Revocations;

use crate::harness::{Context, Result, below, fail, key_shown, same};

use super::fixtures::{key, name};

/// 11.4: the revocation check.
pub fn revocation() -> Result {
    let keys: Vec<IdentityKey> = (0..5).map(|_| key()).collect();
    let publics: Vec<PublicIdentity> = keys.iter().map(IdentityKey::public).collect();
    let names = ["alice", "bob", "carol", "dave", "eve"];
    // alice and bob are authorized; the others are not.
    let policy = AuthorizedKeys::new([
        AuthorizedKey::new(publics[0], name(names[0])),
        AuthorizedKey::new(publics[1], name(names[1])),
    ]);
    let mut lists: Vec<Option<Vec<usize>>> = vec![
        Some(vec![]),
        Some(vec![1]),
        Some(vec![2]),
        Some(vec![1, 1]),
        Some(vec![0, 2, 3]),
        Some(vec![4, 3, 2, 1, 0]),
        None,
    ];
    for _ in 0..30 {
        lists.push(Some((0..below(5)).map(|_| below(5)).collect()));
    }
    for list in &lists {
        let revoked = list
            .as_ref()
            .map(|l| l.iter().map(|&i| publics[i]).collect::<Vec<_>>());
        let mine = Revocations {
            policy: &policy,
            revoked: revoked.clone(),
        };
        for (i, client) in publics.iter().enumerate() {
            let expected = match &revoked {
                // A broken revocation list refuses everyone (as FilePolicy does).
                None => Err(Refusal::RevocationListUnavailable),
                Some(keys) => {
                    WithRevocations::new(&policy, RevokedKeys::new(keys.clone())).check(client)
                }
            };
            let got = mine.check(client);
            let shown: Option<Vec<&str>> =
                list.as_ref().map(|l| l.iter().map(|&i| names[i]).collect());
            let input = format!(
                "{} ({}, {}) asks; authorized: alice, bob; revoked: {}",
                names[i],
                key_shown(client.as_bytes()),
                if i < 2 {
                    "authorized"
                } else {
                    "not authorized"
                },
                shown.map_or("the list is unavailable".to_owned(), |s| format!("{s:?}"))
            );
            same("the verdict", &input, &expected, &got)?;
        }
    }
    // Your policy in a real server: bob is revoked, alice gets in.
    let server = key();
    let mine = Revocations {
        policy: &policy,
        revoked: Some(vec![publics[1]]),
    };
    for (who, expect_in) in [(0, true), (1, false)] {
        let (client, hello) = mutual::Client::start(
            &mut os_rng(),
            &keys[who],
            server.public(),
            Binding::Transcript,
        );
        let (state, server_hello) = mutual::Server::new(&server, Binding::Transcript)
            .read_client_hello(&mut os_rng(), &hello)
            .context("the real server")?;
        let (_, auth) = client
            .read_server_hello(&server_hello)
            .context("the real client")?;
        let verdict = state.read_client_auth(&auth, &mine);
        if verdict.is_ok() != expect_in {
            return Err(fail(format!(
                "with your policy, a real server {} {}",
                if expect_in { "refused" } else { "accepted" },
                names[who]
            )));
        }
    }
    Ok(())
}
