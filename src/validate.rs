//! Checks of caller-supplied values, before any network traffic, and how a bad value is
//! shown back: short, escaped, and never with a URL's `user:password@` part.

use crate::error::{Error, Result};
use url::Url;

/// A value as it may appear in an error message: escaped and cut to a readable length.
pub(crate) fn shown(raw: &str) -> String {
    const MAX: usize = 120;
    if raw.chars().count() <= MAX {
        raw.escape_debug().to_string()
    } else {
        let head: String = raw.chars().take(MAX).collect();
        format!("{}...", head.escape_debug())
    }
}

/// A URL-like value for an error message, with any `user:password@` replaced by `***@`,
/// also when the value does not parse (that is when it gets shown).
pub(crate) fn shown_url(raw: &str) -> String {
    shown(&redact_userinfo(raw))
}

/// Everything between the scheme and the last `@` goes: a password may hold `/`, `?` or `#`,
/// so a path or query with an `@` is over-redacted rather than a password shown.
fn redact_userinfo(raw: &str) -> String {
    let (scheme, rest) = match raw.find("://") {
        Some(at) => raw.split_at(at + 3),
        None => ("", raw),
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}***{}", &rest[at..]),
        None => raw.to_owned(),
    }
}

/// Free text (an SDK error's cause chain) with the user:password of every URL in it redacted.
pub(crate) fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        // The URL runs from its scheme (letters before "://") to the next space or quote.
        let start = rest[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || matches!(c, '`' | '\'' | '"' | '<' | '>'))
            .map_or(rest.len(), |i| at + i);
        out.push_str(&rest[..start]);
        out.push_str(&redact_userinfo(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

pub(crate) fn validate_access_key_id(key: &str) -> Result<()> {
    if key.trim().is_empty() {
        return Err(Error::invalid("the access key id is empty"));
    }
    if key.len() > 128 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid(format!(
            "the access key id '{}' is not valid: expected 1 to 128 letters and digits, like AKIAIOSFODNN7EXAMPLE",
            shown(key)
        )));
    }
    Ok(())
}

/// Never echoes the value: it is a secret.
pub(crate) fn validate_secret(what: &str, value: &str, max_len: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(format!("the {what} is empty")));
    }
    if value.len() > max_len {
        return Err(Error::invalid(format!(
            "the {what} is longer than {max_len} bytes"
        )));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid(format!(
            "the {what} contains whitespace or control characters (a copy-and-paste accident?)"
        )));
    }
    Ok(())
}

pub(crate) fn validate_profile(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '[' | ']'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "'{}' is not a valid profile name",
            shown(name)
        )))
    }
}

/// An IAM role ARN: `arn:<partition>:iam::<12 digits>:role/<path/name>` (IAM's own characters).
pub fn validate_role_arn(arn: &str) -> Result<()> {
    let well_formed = (|| {
        let rest = arn.strip_prefix("arn:")?;
        let (partition, rest) = rest.split_once(':')?;
        let rest = rest.strip_prefix("iam::")?;
        let (account, name) = rest.split_once(":role/")?;
        let partition_ok =
            partition.starts_with("aws") && partition.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        let name_ok = !name.is_empty()
            && arn.len() <= 2048
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_/-".contains(&b));
        (partition_ok && account_ok && name_ok).then_some(())
    })();
    well_formed.ok_or_else(|| {
        Error::invalid(format!(
            "'{}' is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)",
            shown(arn)
        ))
    })
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1`, `eu-isoe-west-1`, `ap-southeast-5`.
pub fn validate_region(region: &str) -> Result<()> {
    let well_formed = (4..=32).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && region.starts_with(|c: char| c.is_ascii_lowercase())
        && region.ends_with(|c: char| c.is_ascii_digit())
        && region.split('-').count() >= 3
        && region.split('-').all(|part| !part.is_empty());
    if well_formed {
        Ok(())
    } else if region.is_empty() {
        Err(Error::invalid("the region is empty"))
    } else {
        Err(Error::invalid(format!(
            "'{}' is not an AWS region name (expected something like us-east-1)",
            shown(region)
        )))
    }
}

pub(crate) fn validate_endpoint(endpoint: &str) -> Result<()> {
    if endpoint.len() > 2048 {
        return Err(Error::invalid("the endpoint URL is longer than 2048 bytes"));
    }
    let url = Url::parse(endpoint).map_err(|e| {
        Error::invalid(format!(
            "the endpoint URL '{}' is not valid: {e}",
            shown_url(endpoint)
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(format!(
            "the endpoint URL '{}' must not contain a user name or password",
            shown_url(endpoint)
        )));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid(format!(
            "the endpoint URL '{}' must start with https:// (or http:// for local tests)",
            shown_url(endpoint)
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(format!(
            "the endpoint URL '{}' has no host",
            shown_url(endpoint)
        )));
    }
    Ok(())
}

pub(crate) fn validate_registry_id(id: &str) -> Result<()> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "the registry id '{}' is not a 12-digit AWS account id",
            shown(id)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_credentials() {
        let cases = [
            ("http://user:pw@[::1", "http://***@[::1"),
            (
                "https://u:secret@host.example/path?q=1",
                "https://***@host.example/path?q=1",
            ),
            ("https://a@b:pw@host.example", "https://***@host.example"),
            ("user:secret@host", "***@host"),
            ("http://u:pa/ss@[::1", "http://***@[::1"),
            ("http://user:p#ss@[::1", "http://***@[::1"),
            ("http://u:pa?ss@127.0.0.1", "http://***@127.0.0.1"),
            ("admin:S3cret@vpce.example.com", "***@vpce.example.com"),
            ("https://host.example/a@b", "https://***@b"),
            ("http://127.0.0.1:4566", "http://127.0.0.1:4566"),
        ];
        for (raw, want) in cases {
            assert_eq!(shown_url(raw), want, "{raw}");
        }
    }

    #[test]
    fn urls_inside_free_text_lose_their_credentials() {
        let text = "failed to apply endpoint `http://u:s3cret@[::1` to request: via https://a:b@proxy:8080/x, see http://ok.example/";
        let redacted = redact_urls_in(text);
        assert!(
            !redacted.contains("s3cret") && !redacted.contains("a:b@"),
            "{redacted}"
        );
        assert!(
            redacted.contains("`http://***@[::1`") && redacted.contains("https://***@proxy:8080/x"),
            "{redacted}"
        );
        assert!(redacted.ends_with("see http://ok.example/"), "{redacted}");
    }

    #[test]
    fn a_bad_endpoint_is_reported_without_its_password() {
        for raw in [
            "http://user:topsecret@[::1",
            "http://user:topsecret@127.0.0.1:1",
            "admin:topsecret@vpce.example.com",
            "http://user:top#secret@[::1",
        ] {
            let err = validate_endpoint(raw).unwrap_err();
            assert!(
                !err.message().contains("topsecret") && !err.message().contains("secret@"),
                "{}",
                err.message()
            );
            assert!(err.message().contains("***@"), "{}", err.message());
        }
    }

    #[test]
    fn role_arns_are_checked_for_partition_account_and_name() {
        for ok in [
            "arn:aws:iam::123456789012:role/ecr-pull",
            "arn:aws-us-gov:iam::123456789012:role/path/to/Deploy+Role=1,a.b@c_d",
            "arn:aws-cn:iam::123456789012:role/x",
        ] {
            assert!(validate_role_arn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam::123456789012:role/a b",
            "ecr-pull",
        ] {
            let err = validate_role_arn(bad).unwrap_err();
            assert!(
                err.message().contains("is not an IAM role ARN"),
                "{bad}: {}",
                err.message()
            );
        }
    }
}
