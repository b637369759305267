fn main() {
    napi_build::setup();
    // macOS: the libc crate asks the linker for libiconv, which nothing here
    // calls; dropping the libraries nothing uses leaves libSystem alone.
    if std::env::var("CARGO_CFG_TARGET_VENDOR").as_deref() == Ok("apple") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-dead_strip_dylibs");
    }
}
