//! Turning an ECR proxy endpoint into the registry host `docker login` wants.

use crate::error::{Error, Result};
use crate::validate::shown_url;
use url::Url;

/// `https://123456789012.dkr.ecr.us-east-1.amazonaws.com` -> `123456789012.dkr.ecr.us-east-1.amazonaws.com`.
/// A non-default port is kept (`127.0.0.1:5000`); paths, queries and credentials are dropped.
pub fn registry_host(proxy_endpoint: &str) -> Result<String> {
    let trimmed = proxy_endpoint.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid("the proxy endpoint is empty"));
    }
    // ECR always sends a scheme; a bare `host[:port]` is accepted too, as docker itself does.
    let parsed = if looks_like_bare_host(trimmed) {
        Url::parse(&format!("https://{trimmed}")).map_err(|e| bad_endpoint(trimmed, e))?
    } else {
        Url::parse(trimmed).map_err(|e| bad_endpoint(trimmed, e))?
    };
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(Error::invalid(format!(
            "the proxy endpoint '{}' is not an http(s) URL",
            shown_url(trimmed)
        )));
    }
    let host = match parsed.host_str() {
        Some(h) if !h.is_empty() => h,
        _ => {
            return Err(Error::invalid(format!(
                "the proxy endpoint '{}' has no host",
                shown_url(trimmed)
            )));
        }
    };
    Ok(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

fn looks_like_bare_host(text: &str) -> bool {
    !text.contains("://")
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

fn bad_endpoint(raw: &str, err: url::ParseError) -> Error {
    Error::invalid(format!(
        "the proxy endpoint '{}' is not a valid URL: {err}",
        shown_url(raw)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn extracts_hosts_from_real_endpoints() {
        let cases = [
            (
                "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            ),
            (
                "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            ),
            (
                "https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
            ),
            (
                "https://123456789012.dkr-ecr.eu-west-1.on.aws",
                "123456789012.dkr-ecr.eu-west-1.on.aws",
            ),
            ("http://127.0.0.1:5000", "127.0.0.1:5000"),
            ("https://localhost:443", "localhost"), // default port is dropped by the URL standard
            ("https://registry.example:8443/v2/?x=1#y", "registry.example:8443"),
            ("https://user:pw@host.example", "host.example"),
            ("HTTPS://UPPER.EXAMPLE", "upper.example"),
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            ),
            ("127.0.0.1:5000", "127.0.0.1:5000"),
            ("http://[::1]:5000", "[::1]:5000"),
        ];
        for (input, want) in cases {
            assert_eq!(registry_host(input).unwrap(), want, "input {input:?}");
        }
    }

    #[test]
    fn rejects_endpoints_without_a_usable_host() {
        let bad = [
            "",
            "   ",
            "https://",
            "https://:443",
            "file:///etc/passwd",
            "mailto:someone@example.com",
            "ftp://host.example",
            "http://exa mple.com",
            "https://host:99999",
            "data:text/plain,hello",
        ];
        for input in bad {
            let err = registry_host(input).expect_err(input);
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "input {input:?}");
        }
    }

    #[test]
    fn hostile_input_gives_a_short_error() {
        let huge = format!("https://{}", "a".repeat(1 << 20));
        // Hosts this long parse (DNS limits are not the URL standard's); what matters is no panic.
        let _ = registry_host(&huge);
        let huge_bad = format!("https://{}", " ".repeat(1 << 20) + "x y");
        if let Err(e) = registry_host(&huge_bad) {
            assert!(e.message().len() < 400);
        }
        let err = registry_host("https://\u{0}host").unwrap_err();
        assert!(!err.message().contains('\0'));
    }
}
