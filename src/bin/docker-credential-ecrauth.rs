//! docker-credential-ecrauth: the docker credential helper of EcrAuth (see `ecr_auth::helper`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = |name: &str| std::env::var(name).ok();
    let context = ecr_auth::helper::Context { env: &env };
    let code = ecr_auth::helper::run(
        &args,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
        &context,
    );
    std::process::exit(code);
}
