//! Names: the one word that stands for a key in lists, certificates and
//! log lines.
//!
//! [`ClientName`] is the name of a peer, whatever its role: a client on an
//! authorized-keys list, the name a server answers to, a CA in a
//! certificate. It keeps the name it had in Lesson 11, where only clients
//! had one, and [`crate::trust`] re-exports it, so `trust::ClientName`
//! still names it. A module of its own,
//! on nothing but `core`, so that trust policies and certificates both
//! build on it and neither on the other.

use core::fmt;

/// The longest client name, in bytes. Names live in fixed arrays so that
/// the core needs no allocator.
pub const MAX_NAME_LEN: usize = 64;

/// A human name for a client key, such as `alice` or `billing-service`.
///
/// 1 to [`MAX_NAME_LEN`] bytes of UTF-8 with no whitespace or control
/// characters, so a name is always one word in a log line.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientName {
    bytes: [u8; MAX_NAME_LEN],
    len: u8,
}

/// Why a string cannot be a [`ClientName`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_NAME_LEN`] bytes.
    TooLong,
    /// The name contains whitespace or a control character.
    BadCharacter,
    /// The name contains a character that is not seen where it is printed:
    /// a Unicode default-ignorable code point or a format character
    /// (zero-width, bidirectional controls, U+3164 HANGUL FILLER, tags...).
    Invisible(char),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the client name is missing"),
            Self::TooLong => write!(f, "the client name is longer than {MAX_NAME_LEN} bytes"),
            Self::BadCharacter => {
                f.write_str("the client name contains whitespace or a control character")
            }
            Self::Invisible(c) => write!(
                f,
                "the client name contains U+{:04X}, an invisible character (default-ignorable or format)",
                u32::from(*c)
            ),
        }
    }
}

impl core::error::Error for NameError {}

/// Characters that change how a log line looks without being seen.
///
/// Every code point with Unicode's `Default_Ignorable_Code_Point` property
/// (DerivedCoreProperties.txt) and every one of general category `Cf`
/// (format): zero-width characters, bidirectional controls (a name ending
/// in U+202E would print the rest of its log line backwards), U+00AD SOFT
/// HYPHEN, U+3164 HANGUL FILLER and U+FFA0 (which print as blanks:
/// `alice\u{3164}admin` looks like `alice admin`), variation selectors and
/// the tag characters U+E0000 to U+E007F. The table is inclusive ranges,
/// sorted.
const INVISIBLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),   // SOFT HYPHEN (Cf, default-ignorable)
    (0x034F, 0x034F),   // COMBINING GRAPHEME JOINER
    (0x0600, 0x0605),   // Arabic number signs (Cf)
    (0x061C, 0x061C),   // ARABIC LETTER MARK
    (0x06DD, 0x06DD),   // ARABIC END OF AYAH (Cf)
    (0x070F, 0x070F),   // SYRIAC ABBREVIATION MARK (Cf)
    (0x0890, 0x0891),   // Arabic pound and piastre marks above (Cf)
    (0x08E2, 0x08E2),   // ARABIC DISPUTED END OF AYAH (Cf)
    (0x115F, 0x1160),   // HANGUL CHOSEONG and JUNGSEONG FILLER
    (0x17B4, 0x17B5),   // KHMER VOWEL INHERENT AQ and AA
    (0x180B, 0x180F),   // Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),   // zero-width space, joiners, LRM, RLM
    (0x202A, 0x202E),   // bidirectional embeddings and overrides
    (0x2060, 0x206F),   // word joiner, invisible operators, bidi isolates
    (0x3164, 0x3164),   // HANGUL FILLER
    (0xFE00, 0xFE0F),   // variation selectors
    (0xFEFF, 0xFEFF),   // ZERO WIDTH NO-BREAK SPACE (byte order mark)
    (0xFFA0, 0xFFA0),   // HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFFB),   // unassigned specials and interlinear annotation (Cf)
    (0x110BD, 0x110BD), // KAITHI NUMBER SIGN (Cf)
    (0x110CD, 0x110CD), // KAITHI NUMBER SIGN ABOVE (Cf)
    (0x13430, 0x1343F), // Egyptian hieroglyph format controls (Cf)
    (0x1BCA0, 0x1BCA3), // shorthand format controls
    (0x1D173, 0x1D17A), // musical symbol format controls
    (0xE0000, 0xE0FFF), // tags, variation selectors supplement, reserved
];

/// Whether `c` is in [`INVISIBLE`].
fn is_invisible(c: char) -> bool {
    let c = u32::from(c);
    INVISIBLE
        .iter()
        .any(|&(low, high)| (low..=high).contains(&c))
}

impl ClientName {
    /// Checks and stores a name.
    ///
    /// # Errors
    /// [`NameError`] says which rule the name breaks.
    ///
    /// # Examples
    /// ```
    /// use learn_mtls::name::ClientName;
    /// assert_eq!(ClientName::new("alice")?.as_str(), "alice");
    /// assert!(ClientName::new("two words").is_err());
    /// # Ok::<(), learn_mtls::name::NameError>(())
    /// ```
    pub fn new(name: &str) -> Result<Self, NameError> {
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if name.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong);
        }
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(NameError::BadCharacter);
        }
        if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
            return Err(NameError::Invisible(c));
        }
        let mut bytes = [0u8; MAX_NAME_LEN];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Ok(Self {
            bytes,
            // Fits: checked against MAX_NAME_LEN (64) above.
            len: name.len() as u8,
        })
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        // Only `new` builds a ClientName, from a &str cut at its own length,
        // so these bytes are always valid UTF-8; the fallback is unreachable.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("?")
    }
}

impl fmt::Display for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientName({:?})", self.as_str())
    }
}

#[cfg(test)]
mod name_tests {
    use super::{ClientName, INVISIBLE, NameError};

    /// Issue 19, weakness 7: these loaded before, and looked like other names.
    #[test]
    fn invisible_characters_are_refused_by_code_point() {
        for c in [
            '\u{061C}',
            '\u{00AD}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{E0000}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{200B}',
            '\u{202E}',
            '\u{FEFF}',
            '\u{FE0F}',
            '\u{2066}',
            '\u{0600}',
            '\u{1D173}',
        ] {
            let mut text = [0u8; 16];
            let name = heapless_name(&mut text, c);
            assert_eq!(
                ClientName::new(name),
                Err(NameError::Invisible(c)),
                "U+{:04X}",
                u32::from(c)
            );
        }
        assert_eq!(
            ClientName::new("alice\u{3164}admin"),
            Err(NameError::Invisible('\u{3164}'))
        );
        let shown = ClientName::new("alice\u{3164}admin").unwrap_err();
        let mut buf = [0u8; 128];
        let text = format_into(&mut buf, &shown);
        assert!(text.contains("U+3164"), "{text}");
        // Visible letters of other scripts stay allowed.
        for ok in [
            "alice",
            "jos\u{E9}",
            "\u{4E2D}\u{6587}",
            "\u{0627}\u{0644}\u{0639}",
            "a-b.c_d",
        ] {
            assert!(ClientName::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn the_table_is_sorted_and_disjoint() {
        for pair in INVISIBLE.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0, "{pair:?}");
        }
    }

    fn heapless_name(buf: &mut [u8; 16], c: char) -> &mut str {
        buf[..1].copy_from_slice(b"a");
        let len = 1 + c.encode_utf8(&mut buf[1..]).len();
        buf[len] = b'b';
        core::str::from_utf8_mut(&mut buf[..=len]).unwrap()
    }

    fn format_into<'b>(buf: &'b mut [u8], error: &NameError) -> &'b str {
        use core::fmt::Write;
        struct Cursor<'c>(&'c mut [u8], usize);
        impl Write for Cursor<'_> {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                let end = self.1 + s.len();
                self.0
                    .get_mut(self.1..end)
                    .ok_or(core::fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                self.1 = end;
                Ok(())
            }
        }
        let mut cursor = Cursor(buf, 0);
        write!(cursor, "{error}").unwrap();
        let len = cursor.1;
        core::str::from_utf8(&buf[..len]).unwrap()
    }
}
