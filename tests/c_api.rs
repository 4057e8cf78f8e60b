//! Compiles tests/c/ecr_auth_smoke.c with `cc` against include/ecr_auth.h and the built
//! cdylib, then runs it against the mock endpoint: the header is usable from C.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cdylib next to this test binary (target/<profile>/libecr_auth.so). The crate is an
/// rlib (Cargo.toml says why), so ask cargo for the cdylib as build.ps1 does (cargo holds no
/// build lock while tests run).
pub fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf(); // .../deps -> .../<profile>
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    // Run as a user would: without the variables cargo sets for this test process, which
    // would otherwise make cargo rebuild build scripts that watch the environment.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        let keep = name == "CARGO_HOME" || name == "CARGO_TARGET_DIR" || name.starts_with("CARGO_BUILD_");
        if (name.starts_with("CARGO_") && !keep) || name == "LD_LIBRARY_PATH" {
            build.env_remove(&name);
        }
    }
    build
        .args([
            "rustc",
            "--lib",
            "--crate-type",
            "cdylib",
            "--quiet",
            "--manifest-path",
        ])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    if dir.file_name().is_some_and(|name| name == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo rustc --lib --crate-type cdylib");
    assert!(status.success(), "cargo rustc --lib --crate-type cdylib failed");
    assert!(
        dir.join("libecr_auth.so").exists(),
        "no libecr_auth.so in {}",
        dir.display()
    );
    dir
}

pub fn build_smoke(out: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = library_dir();
    let exe = out.join("ecr_auth_smoke");
    let status = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-g", "-o"])
        .arg(&exe)
        .arg(root.join("tests/c/ecr_auth_smoke.c"))
        .arg(format!("-I{}", root.join("include").display()))
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lecr_auth")
        .status()
        .expect("cc is needed for this test");
    assert!(status.success(), "compiling the C smoke test failed");
    exe
}

#[test]
fn the_header_and_library_work_from_c() {
    let ecr = MockEcr::start();
    ecr.respond(
        200,
        ok_body(vec![entry("123456789012", "from-c", 1_900_000_000)]),
        None,
    );
    let dir = std::env::temp_dir().join(format!("ecr-auth-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let exe = build_smoke(&dir);
    let output = Command::new(&exe)
        .arg(ecr.uri())
        .arg("3")
        .env("ECR_AUTH_EXPECT_PASSWORD", "from-c")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("registry=123456789012.dkr.ecr.us-west-2.amazonaws.com user=AWS"),
        "{stdout}"
    );
    assert!(stdout.contains("expires=1900000000"), "{stdout}");
    assert!(!stdout.contains("from-c"), "the password was printed");
    assert!(stdout.trim_end().ends_with("ok"), "{stdout}");
    // Session token sent by the C caller reaches the wire.
    assert_eq!(
        ecr.requests()[0].headers.get("x-amz-security-token").unwrap(),
        "session-token"
    );
}

/// The same C program under valgrind: calls through success and failure paths, with no
/// definite or indirect leak and no invalid read or write. Skipped where valgrind is absent.
/// This debug build is slow under valgrind, so the default is 20 fetches
/// (`ECR_AUTH_VALGRIND_CALLS` sets more); `build.ps1 Test` runs 1000 against the release library.
#[test]
fn no_leaks_or_invalid_accesses_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED no_leaks_or_invalid_accesses_under_valgrind: valgrind not found (apt-get install valgrind)"
        );
        return;
    }
    let calls = std::env::var("ECR_AUTH_VALGRIND_CALLS").unwrap_or_else(|_| "20".into());
    let ecr = MockEcr::start();
    ecr.respond(
        200,
        ok_body(vec![entry("123456789012", "from-c", 1_900_000_000)]),
        None,
    );
    let dir = std::env::temp_dir().join(format!("ecr-auth-valgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = build_smoke(&dir);
    let output = Command::new("valgrind")
        .args([
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=99",
            "--quiet",
        ])
        .arg(&exe)
        .arg(ecr.uri())
        .arg(&calls)
        .env("ECR_AUTH_EXPECT_PASSWORD", "from-c")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "valgrind found problems (exit {:?}):\n{stderr}",
        output.status.code()
    );
    assert!(String::from_utf8_lossy(&output.stdout).trim_end().ends_with("ok"));
    // Each round: one packed fetch, and one handle fetch whose repeat comes from the cache.
    let fetched = ecr.requests().len();
    let rounds: usize = calls.parse().unwrap();
    assert_eq!(
        fetched,
        2 * rounds,
        "every fetch that needed one reached the mock endpoint"
    );
}
