fn main() {
    napi_build::setup();
    // macOS: the libc crate asks the linker for libiconv, which nothing here
    // calls; dropping the libraries nothing uses leaves libSystem alone.
    // Its install name is its file's, not the path it was built at.
    if std::env::var("CARGO_CFG_TARGET_VENDOR").as_deref() == Ok("apple") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-dead_strip_dylibs");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/parallel-processor.node");
    }
}
