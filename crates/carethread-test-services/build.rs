//! Reads which test services are configured when the tests are built, so
//! `#[needs(...)]` can mark a test ignored (and name why) instead of letting
//! it pass without running. Changing one of these variables rebuilds only
//! this crate and the test binaries that use it.

#[path = "src/services.rs"]
#[expect(dead_code, reason = "the build script reads the variables and cfgs, the attribute the rest")]
mod services;

use services::SERVICES;

fn main() {
    for service in SERVICES {
        println!("cargo::rerun-if-env-changed={}", service.variable);
        println!("cargo::rustc-check-cfg=cfg({})", service.cfg);
        if std::env::var_os(service.variable).is_some_and(|value| !value.is_empty()) {
            println!("cargo::rustc-cfg={}", service.cfg);
        }
    }
}
