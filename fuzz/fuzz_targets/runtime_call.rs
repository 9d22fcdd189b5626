//! libFuzzer entry point of [`pop_fuzz::runtime_call`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop_fuzz::runtime_call::check(data));
