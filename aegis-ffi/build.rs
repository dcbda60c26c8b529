//! The SONAME of libaegis.so: libaegis.so.MAJOR (libaegis.so.0 for 0.x.y), from the version in
//! Cargo.toml, so that programs linked against it record the ABI they were built for and
//! `make install` can ship libaegis.so.MAJOR.MINOR.PATCH with its libaegis.so.MAJOR link
//! (mk/install.mk). ELF targets only; the staticlib has no SONAME.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = !matches!(os.as_str(), "macos" | "ios" | "windows");
    if elf {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libaegis.so.{major}");
    }
}
