//! Lesson 11 katas: the records that follow the handshake.
//!
//! A record is `length (2) || ciphertext || tag (16)`, sealed under a nonce
//! that is never sent: each side counts. Every test starts from an honest
//! transcript handshake (which has already used one client record for key
//! confirmation).

mod common;

use common::{Established, open, run_mutual, seal};
use learn_mtls::handshake::Binding;
use learn_mtls::record::{
    self, HEADER_LEN, MAX_BODY_LEN, MAX_PLAINTEXT_LEN, MAX_RECORD_LEN, RecordError, TAG_LEN,
};

fn established() -> Established {
    run_mutual(Binding::Transcript, 30)
}

#[test]
fn a_record_is_a_two_byte_length_then_ciphertext_then_a_16_byte_tag() {
    let mut session = established();

    let record = seal(&mut session.client, b"hello");

    // Notice: 2 + 5 + 16, and the header counts ciphertext and tag.
    assert_eq!(record.len(), 23);
    assert_eq!(record[..2], [0x00, 0x15]);
    assert_ne!(&record[2..7], b"hello");
}

#[test]
fn a_replayed_record_is_refused() {
    let mut session = established();
    let record = seal(&mut session.client, b"pay 10 coins");
    assert_eq!(
        open(&mut session.server, &record),
        Ok(b"pay 10 coins".to_vec())
    );

    let replayed = open(&mut session.server, &record);

    // Notice: the receiver's counter moved on, so the same bytes no longer open.
    assert_eq!(replayed, Err(RecordError::Forged));
}

#[test]
fn reordered_records_are_refused_and_the_refusal_leaves_no_trace() {
    let mut session = established();
    let first = seal(&mut session.client, b"first");
    let second = seal(&mut session.client, b"second");

    let early = open(&mut session.server, &second);

    // Notice: the second record was sealed under the next nonce.
    assert_eq!(early, Err(RecordError::Forged));
    // Notice: the refused record did not advance the counter.
    assert_eq!(open(&mut session.server, &first), Ok(b"first".to_vec()));
    assert_eq!(open(&mut session.server, &second), Ok(b"second".to_vec()));
}

#[test]
fn a_truncated_record_is_refused_by_its_length() {
    let mut session = established();
    let record = seal(&mut session.client, b"hello");

    let result = open(&mut session.server, &record[..record.len() - 1]);

    // Notice: caught by framing, before any cryptography.
    assert_eq!(
        result,
        Err(RecordError::LengthMismatch {
            announced: 23,
            found: 22
        })
    );
}

#[test]
fn a_record_with_trailing_bytes_is_refused_by_its_length() {
    let mut session = established();
    let mut record = seal(&mut session.client, b"hello");
    record.push(0);

    let result = open(&mut session.server, &record);

    // Notice: one record is exactly one record; nothing may ride along.
    assert_eq!(
        result,
        Err(RecordError::LengthMismatch {
            announced: 23,
            found: 24
        })
    );
}

#[test]
fn a_record_shorter_than_its_header_is_refused() {
    let mut session = established();

    let result = open(&mut session.server, &[0x00]);

    // Notice: even the header must be whole.
    assert_eq!(
        result,
        Err(RecordError::LengthMismatch {
            announced: HEADER_LEN,
            found: 1
        })
    );
}

#[test]
fn changing_any_bit_of_a_record_makes_it_fail_and_leaves_no_trace() {
    let mut session = established();
    let record = seal(&mut session.client, b"attack at dawn");

    for position in 0..record.len() {
        for mask in [0x01, 0x80] {
            let mut tampered = record.clone();
            tampered[position] ^= mask;

            let result = open(&mut session.server, &tampered);

            // Notice: header changes fail as framing (or as a forgery, since
            // the header is the associated data); body and tag changes as forgeries.
            if position < HEADER_LEN {
                assert!(
                    matches!(
                        result,
                        Err(RecordError::Oversized { .. }
                            | RecordError::Undersized { .. }
                            | RecordError::LengthMismatch { .. }
                            | RecordError::Forged)
                    ),
                    "byte {position} ^ {mask:#04x}: {result:?}"
                );
            } else {
                assert_eq!(
                    result,
                    Err(RecordError::Forged),
                    "byte {position} ^ {mask:#04x}"
                );
            }
        }
    }
    // Notice: after 64 refusals, the genuine record still opens.
    assert_eq!(
        open(&mut session.server, &record),
        Ok(b"attack at dawn".to_vec())
    );
}

#[test]
fn a_header_announcing_65535_bytes_is_refused_before_reading_the_body() {
    let mut session = established();
    let mut record = vec![0u8; HEADER_LEN + 65535];
    record[..2].copy_from_slice(&[0xff, 0xff]);

    let from_header = record::body_len([0xff, 0xff]);
    let from_record = open(&mut session.server, &record);

    // Notice: a stream reader can refuse after two bytes, without buffering 64 KiB.
    assert_eq!(
        from_header,
        Err(RecordError::Oversized { announced: 65535 })
    );
    assert_eq!(
        from_record,
        Err(RecordError::Oversized { announced: 65535 })
    );
}

#[test]
fn body_len_accepts_exactly_the_lengths_a_record_can_have() {
    let header = |len: usize| u16::try_from(len).unwrap().to_be_bytes();

    // Notice: the smallest body is a bare tag, the largest 16 KiB plus a tag.
    assert_eq!(
        record::body_len(header(TAG_LEN - 1)),
        Err(RecordError::Undersized { announced: 15 })
    );
    assert_eq!(record::body_len(header(TAG_LEN)), Ok(16));
    assert_eq!(record::body_len(header(MAX_BODY_LEN)), Ok(16 * 1024 + 16));
    assert_eq!(
        record::body_len(header(MAX_BODY_LEN + 1)),
        Err(RecordError::Oversized { announced: 16401 })
    );
}

#[test]
fn a_plaintext_over_16_kib_is_refused_when_sealing() {
    let mut session = established();
    let plaintext = vec![0u8; MAX_PLAINTEXT_LEN + 1];
    let mut out = vec![0u8; MAX_RECORD_LEN + 1];

    let result = session.client.seal(&plaintext, &mut out);

    // Notice: refused by the sender, who would otherwise overflow the 2-byte header.
    assert_eq!(result, Err(RecordError::PlaintextTooLong { len: 16385 }));
}

#[test]
fn a_plaintext_of_exactly_16_kib_seals_and_opens() {
    let mut session = established();
    let plaintext = vec![0xab; MAX_PLAINTEXT_LEN];

    let record = seal(&mut session.client, &plaintext);

    // Notice: the largest record is 2 + 16384 + 16 bytes.
    assert_eq!(record.len(), MAX_RECORD_LEN);
    assert_eq!(MAX_RECORD_LEN, 16402);
    assert_eq!(open(&mut session.server, &record), Ok(plaintext));
}

#[test]
fn an_empty_plaintext_seals_and_opens() {
    let mut session = established();

    let record = seal(&mut session.client, b"");

    // Notice: an empty record is still authenticated: header and tag only.
    assert_eq!(record.len(), HEADER_LEN + TAG_LEN);
    assert_eq!(record[..2], [0x00, 0x10]);
    assert_eq!(open(&mut session.server, &record), Ok(Vec::new()));
}

#[test]
fn sealing_into_a_buffer_too_small_is_refused_and_uses_no_nonce() {
    let mut session = established();
    let mut small = [0u8; 22];

    let copied = session.client.seal(b"hello", &mut small);
    let in_place = session.client.seal_in_place(&mut small, 5);
    let tiny = session.client.seal(b"hello", &mut [0u8; 3]);

    // Notice: 23 bytes are needed, and the error says so.
    let expected = |available| {
        Err(RecordError::BufferTooSmall {
            needed: 23,
            available,
        })
    };
    assert_eq!(copied, expected(22));
    assert_eq!(in_place, expected(22));
    assert_eq!(tiny, expected(3));
    // Notice: the failed attempts used no nonce, so the next record still opens.
    let record = seal(&mut session.client, b"hello");
    assert_eq!(open(&mut session.server, &record), Ok(b"hello".to_vec()));
}

#[test]
fn a_client_cannot_open_its_own_record() {
    let mut session = established();
    let record = seal(&mut session.client, b"to the server");

    let result = open(&mut session.client, &record);

    // Notice: each direction has its own key, so a record cannot be reflected back.
    assert_eq!(result, Err(RecordError::Forged));
}

#[test]
fn a_server_cannot_open_its_own_record() {
    let mut session = established();
    let record = seal(&mut session.server, b"to the client");

    let result = open(&mut session.server, &record);

    // Notice: the same holds the other way.
    assert_eq!(result, Err(RecordError::Forged));
}

#[test]
fn a_record_from_another_session_does_not_open() {
    let mut this = established();
    let mut other = run_mutual(Binding::Transcript, 31);
    let record = seal(&mut other.client, b"hello");

    let result = open(&mut this.server, &record);

    // Notice: same client, same server, same counter, different handshake: different keys.
    assert_eq!(result, Err(RecordError::Forged));
}

#[test]
fn a_record_from_another_session_does_not_open_under_lesson11_either() {
    let mut this = run_mutual(Binding::InsecureLesson11, 32);
    let mut other = run_mutual(Binding::InsecureLesson11, 33);
    let record = seal(&mut other.client, b"hello");

    let result = open(&mut this.server, &record);

    // Notice: fresh ephemeral shares alone make every session's keys new.
    assert_eq!(result, Err(RecordError::Forged));
}

#[test]
fn seal_in_place_and_seal_produce_the_same_record() {
    // Two handshakes from the same seeds give the same keys.
    let mut one = established();
    let mut two = established();
    let mut copied = [0u8; 32];
    let mut in_place = [0u8; 32];
    in_place[HEADER_LEN..HEADER_LEN + 5].copy_from_slice(b"hello");

    let copied_len = one.client.seal(b"hello", &mut copied).unwrap();
    let in_place_len = two.client.seal_in_place(&mut in_place, 5).unwrap();

    // Notice: `seal` is `seal_in_place` after a copy; byte for byte the same.
    assert_eq!(copied_len, 23);
    assert_eq!(in_place_len, 23);
    assert_eq!(copied[..23], in_place[..23]);
}

#[test]
fn open_in_place_returns_the_plaintext_inside_the_record_buffer() {
    let mut session = established();
    let mut record = seal(&mut session.client, b"hello");
    let start = record.as_ptr() as usize;

    let plaintext = session.server.open_in_place(&mut record).unwrap();

    // Notice: no copy; the plaintext is bytes 2..7 of the buffer you passed in.
    assert_eq!(plaintext, b"hello");
    assert_eq!(plaintext.as_ptr() as usize, start + HEADER_LEN);
}

#[test]
fn split_halves_keep_counting_like_the_whole_session() {
    let session = established();
    let (mut client_sealer, _) = session.client.split();
    let (_, mut server_opener) = session.server.split();
    let mut first = [0u8; 32];
    let mut second = [0u8; 32];

    let first_len = client_sealer.seal(b"one", &mut first).unwrap();
    let second_len = client_sealer.seal(b"two", &mut second).unwrap();

    // Notice: the halves carry on from the counters of the whole session.
    assert_eq!(
        server_opener.open_in_place(&mut first[..first_len]),
        Ok(&b"one"[..])
    );
    assert_eq!(
        server_opener.open_in_place(&mut second[..second_len]),
        Ok(&b"two"[..])
    );
}
