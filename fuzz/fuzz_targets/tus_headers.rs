//! libFuzzer entry point of [`pop_fuzz::tus_headers`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop_fuzz::tus_headers::check(data));
