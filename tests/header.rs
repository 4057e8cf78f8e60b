//! The committed C header must be exactly what the pinned cbindgen generates now.

use std::path::Path;

#[test]
fn committed_header_matches_cbindgen_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let path = root.join("include/ecr_auth.h");
    if std::env::var_os("ECR_AUTH_BLESS_HEADER").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/ecr_auth.h is stale; regenerate it with: ECR_AUTH_BLESS_HEADER=1 cargo test --test header"
    );
}

#[test]
fn header_version_matches_cargo_toml() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/ecr_auth.h")).unwrap();
    let want = format!("#define ECR_AUTH_VERSION \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        header.contains(&want),
        "include/ecr_auth.h does not say {want}; update after_includes in cbindgen.toml"
    );
    let runtime = unsafe_version();
    assert_eq!(runtime, env!("CARGO_PKG_VERSION"));
}

#[allow(unsafe_code)]
fn unsafe_version() -> String {
    let ptr = ecr_auth::ffi::ecr_auth_version();
    // SAFETY: a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(ptr) }
        .to_str()
        .unwrap()
        .to_owned()
}
