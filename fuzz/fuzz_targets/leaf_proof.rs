//! libFuzzer entry point of [`pop_fuzz::leaf_proof`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop_fuzz::leaf_proof::check(data));
