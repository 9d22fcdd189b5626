//! libFuzzer entry point of [`pop_fuzz::range`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop_fuzz::range::check(data));
