//! Recognising Amazon ECR registry host names, so `-Registry <host>` can name a registry
//! directly: account and region come from the host, FIPS and dual-stack from its form.

use crate::error::{Error, Result};
use crate::registry::registry_host;
use crate::validate::{shown_url, validate_region};

/// ECR Public's one registry host.
pub const PUBLIC_REGISTRY: &str = "public.ecr.aws";

/// A private ECR registry named by its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrRegistry {
    /// The host as given (lower-cased), which is what `docker login` gets.
    pub host: String,
    pub account_id: String,
    pub region: String,
    pub fips: bool,
    pub dual_stack: bool,
}

/// DNS suffixes of the partitions, for `<account>.dkr.ecr[-fips].<region>.<suffix>`.
const IPV4_SUFFIXES: &[&str] = &[
    "amazonaws.com",
    "amazonaws.com.cn",
    "amazonaws.eu",
    "c2s.ic.gov",
    "sc2s.sgov.gov",
    "cloud.adc-e.uk",
    "csp.hci.ic.gov",
];

/// Suffixes for dual-stack hosts, `<account>.dkr-ecr[-fips].<region>.<suffix>`.
const DUAL_STACK_SUFFIXES: &[&str] = &["on.aws", "on.amazonwebservices.com.cn", "on.amazonwebservices.eu"];

/// Parses `123456789012.dkr.ecr.eu-west-1.amazonaws.com` (a URL or a port is tolerated).
pub fn parse_ecr_host(input: &str) -> Result<EcrRegistry> {
    let host = registry_host(input)?.to_ascii_lowercase();
    let not_ecr = || {
        Error::invalid(format!(
            "'{}' is not an Amazon ECR registry host; expected something like \
             123456789012.dkr.ecr.us-east-1.amazonaws.com",
            shown_url(input.trim())
        ))
    };
    if host.contains(':') {
        return Err(not_ecr());
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 5 {
        return Err(not_ecr());
    }
    let account_id = labels[0];
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_ecr());
    }
    let (fips, dual_stack, region_at) = match (labels[1], labels[2]) {
        ("dkr", "ecr") => (false, false, 3),
        ("dkr", "ecr-fips") => (true, false, 3),
        ("dkr-ecr", _) => (false, true, 2),
        ("dkr-ecr-fips", _) => (true, true, 2),
        _ => return Err(not_ecr()),
    };
    let region = labels[region_at];
    let suffix = labels[region_at + 1..].join(".");
    let suffixes = if dual_stack {
        DUAL_STACK_SUFFIXES
    } else {
        IPV4_SUFFIXES
    };
    if !suffixes.contains(&suffix.as_str()) || validate_region(region).is_err() {
        return Err(not_ecr());
    }
    Ok(EcrRegistry {
        host: host.clone(),
        account_id: account_id.to_owned(),
        region: region.to_owned(),
        fips,
        dual_stack,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_form_real_ecr_uses() {
        let cases = [
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                "eu-west-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
                "us-gov-west-1",
                true,
                false,
            ),
            ("123456789012.dkr-ecr.eu-west-1.on.aws", "eu-west-1", false, true),
            (
                "123456789012.dkr-ecr-fips.us-east-1.on.aws",
                "us-east-1",
                true,
                true,
            ),
            (
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                "cn-north-1",
                false,
                false,
            ),
            (
                "123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn",
                "cn-north-1",
                false,
                true,
            ),
            (
                "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
                "eusc-de-east-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov",
                "us-iso-east-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov",
                "us-isob-east-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk",
                "eu-isoe-west-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov",
                "us-isof-south-1",
                false,
                false,
            ),
            (
                "https://123456789012.DKR.ECR.us-east-1.amazonaws.com/",
                "us-east-1",
                false,
                false,
            ),
        ];
        for (input, region, fips, dual) in cases {
            let r = parse_ecr_host(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(r.account_id, "123456789012", "{input}");
            assert_eq!(
                (r.region.as_str(), r.fips, r.dual_stack),
                (region, fips, dual),
                "{input}"
            );
            assert!(
                !r.host.contains('/') && r.host == r.host.to_lowercase(),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_hosts_that_are_not_ecr() {
        for input in [
            "",
            "docker.io",
            "public.ecr.aws",
            "ghcr.io/owner",
            "12345678901.dkr.ecr.us-east-1.amazonaws.com",
            "12345678901a.dkr.ecr.us-east-1.amazonaws.com",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
            "123456789012.dkr.ecr.us-east-1.example.com",
            "123456789012.dkr.ecr.notaregion.amazonaws.com",
            "123456789012.dkr-ecr.us-east-1.amazonaws.com",
            "123456789012.ecr.us-east-1.amazonaws.com",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com:443x",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com:5000",
        ] {
            let err = parse_ecr_host(input).expect_err(input);
            assert_eq!(err.kind(), crate::error::ErrorKind::InvalidArgument, "{input}");
        }
    }
}

#[cfg(test)]
mod properties {
    //! Longer run: PROPTEST_CASES=100000 cargo test --lib properties
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_parses_or_errors_without_panicking(input in ".*") {
            let _ = parse_ecr_host(&input);
            let _ = registry_host(&input);
        }

        #[test]
        fn well_formed_hosts_round_trip(
            account in "[0-9]{12}",
            region in "(us|eu|ap|sa)-(east|west|north|south|central)-[1-9]",
            fips in any::<bool>(),
        ) {
            let host = format!("{account}.dkr.ecr{}.{region}.amazonaws.com", if fips { "-fips" } else { "" });
            let parsed = parse_ecr_host(&format!("https://{host}/")).unwrap();
            prop_assert_eq!(parsed.host, host);
            prop_assert_eq!(parsed.account_id, account);
            prop_assert_eq!(parsed.region, region);
            prop_assert_eq!(parsed.fips, fips);
        }

        #[test]
        fn registry_host_never_keeps_paths_or_credentials(
            host in "[a-z][a-z0-9-]{0,20}(\\.[a-z][a-z0-9-]{0,20}){0,3}",
            path in "(/[a-zA-Z0-9._~-]{0,10}){0,3}",
            port in proptest::option::of(1u16..),
        ) {
            let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
            let input = format!("https://user:pw@{host}{port_text}{path}");
            let out = registry_host(&input).unwrap();
            prop_assert!(!out.contains('/') && !out.contains('@'), "{}", out);
            prop_assert!(out.starts_with(&host));
        }
    }
}
