//! Decoding an ECR authorization token: base64 of `user:password`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// A decoded token. The password is wiped from memory when this is dropped
/// and never shows up in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedToken {
    pub username: String,
    pub password: Zeroizing<String>,
}

impl fmt::Debug for DecodedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodedToken")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Why a token could not be decoded. Deliberately carries no token bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    NotBase64,
    NotUtf8,
    NoColon,
    EmptyUsername,
    EmptyPassword,
    /// A NUL byte cannot cross a C string boundary or a `--password-stdin` pipe intact.
    NulByte,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::Empty => "the authorization token is empty",
            DecodeError::NotBase64 => "the authorization token is not valid base64",
            DecodeError::NotUtf8 => "the decoded authorization token is not UTF-8",
            DecodeError::NoColon => "the decoded authorization token has no ':' between user and password",
            DecodeError::EmptyUsername => "the decoded authorization token has an empty user name",
            DecodeError::EmptyPassword => "the decoded authorization token has an empty password",
            DecodeError::NulByte => "the decoded authorization token contains a NUL character",
        })
    }
}

impl std::error::Error for DecodeError {}

/// Decodes `base64(user:password)`, splitting at the first `:` (passwords may contain colons).
pub fn decode_token(token: &str) -> Result<DecodedToken, DecodeError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(DecodeError::Empty);
    }
    let bytes = Zeroizing::new(STANDARD.decode(token).map_err(|_| DecodeError::NotBase64)?);
    let text = match String::from_utf8(bytes.to_vec()) {
        Ok(text) => Zeroizing::new(text),
        Err(err) => {
            err.into_bytes().zeroize();
            return Err(DecodeError::NotUtf8);
        }
    };
    if text.contains('\0') {
        return Err(DecodeError::NulByte);
    }
    let (user, password) = text.split_once(':').ok_or(DecodeError::NoColon)?;
    if user.is_empty() {
        return Err(DecodeError::EmptyUsername);
    }
    if password.is_empty() {
        return Err(DecodeError::EmptyPassword);
    }
    Ok(DecodedToken {
        username: user.to_owned(),
        password: Zeroizing::new(password.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(raw: &[u8]) -> String {
        STANDARD.encode(raw)
    }

    #[test]
    fn decodes_user_and_password() {
        let t = decode_token(&encode(b"AWS:secret-pass")).unwrap();
        assert_eq!(t.username, "AWS");
        assert_eq!(t.password.as_str(), "secret-pass");
    }

    #[test]
    fn splits_at_first_colon_only() {
        let t = decode_token(&encode(b"AWS:pa:ss:word")).unwrap();
        assert_eq!(t.username, "AWS");
        assert_eq!(t.password.as_str(), "pa:ss:word");
    }

    #[test]
    fn tolerates_surrounding_whitespace() {
        let t = decode_token(&format!("  {}\n", encode(b"AWS:x"))).unwrap();
        assert_eq!(t.password.as_str(), "x");
    }

    #[test]
    fn rejects_malformed_tokens() {
        let cases: &[(&str, DecodeError)] = &[
            ("", DecodeError::Empty),
            ("   ", DecodeError::Empty),
            ("not base64!!", DecodeError::NotBase64),
            ("QVdTOnB", DecodeError::NotBase64), // truncated padding
            ("QVdT\0OnA=", DecodeError::NotBase64),
        ];
        for (input, want) in cases {
            assert_eq!(decode_token(input).unwrap_err(), *want, "input {input:?}");
        }
        assert_eq!(
            decode_token(&encode(b"AWSpassword")).unwrap_err(),
            DecodeError::NoColon
        );
        assert_eq!(
            decode_token(&encode(b":password")).unwrap_err(),
            DecodeError::EmptyUsername
        );
        assert_eq!(
            decode_token(&encode(b"AWS:")).unwrap_err(),
            DecodeError::EmptyPassword
        );
        assert_eq!(
            decode_token(&encode(b"AWS:\xff\xfe")).unwrap_err(),
            DecodeError::NotUtf8
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let huge = "A".repeat(1 << 20);
        assert!(decode_token(&huge).is_err());
        let huge_valid = encode(&[b'a'; 1 << 20]);
        assert_eq!(decode_token(&huge_valid).unwrap_err(), DecodeError::NoColon);
        let nul = encode(b"AWS:pass\0word");
        assert_eq!(decode_token(&nul).unwrap_err(), DecodeError::NulByte);
    }

    #[test]
    fn debug_and_errors_never_show_the_password() {
        let t = decode_token(&encode(b"AWS:hunter2-very-secret")).unwrap();
        assert!(!format!("{t:?}").contains("hunter2"));
        let e = decode_token(&encode(b"hunter2-very-secret")).unwrap_err();
        assert!(!e.to_string().contains("hunter2"));
    }
}

#[cfg(test)]
mod properties {
    //! Longer run: PROPTEST_CASES=100000 cargo test --lib properties
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_decodes_or_errors_without_panicking(input in ".*") {
            let _ = decode_token(&input);
        }

        #[test]
        fn any_bytes_in_base64_decode_or_error(raw in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_token(&STANDARD.encode(&raw));
        }

        #[test]
        fn encoded_user_password_pairs_round_trip(
            user in "[^:\0]{1,64}",
            password in "[^\0]{1,256}",
        ) {
            let decoded = decode_token(&STANDARD.encode(format!("{user}:{password}"))).unwrap();
            prop_assert_eq!(decoded.username, user);
            prop_assert_eq!(decoded.password.as_str(), password.as_str());
        }
    }
}
