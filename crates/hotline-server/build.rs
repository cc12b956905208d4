//! The demo help center is embedded (`kb::demo`); an added or removed file
//! must rebuild the crate, which the embedding macro alone cannot request.
fn main() {
    println!("cargo:rerun-if-changed=../../demo/help-center");
}
